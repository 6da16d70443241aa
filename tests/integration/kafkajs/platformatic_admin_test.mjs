// @platformatic/kafka (npm, 1.35.0), a second Node.js Kafka client whose admin API speaks the
// newer admin versions KafkaJS does not, against a real ringmq-broker: DescribeConfigs v4 with
// documentation, IncrementalAlterConfigs v1, AlterConfigs v2 and DescribeLogDirs v4 through
// its Admin client (each API at the highest version both sides speak, as it negotiates), and
// DescribeCluster v0/v1 through its protocol functions (none of its clients sends it by
// itself). Failure paths: unknown topic, compact refused, an unknown setting, a broker
// resource (static), validate-only, a controller endpoint. (Its OffsetForLeaderEpoch v4 reads
// the response's partition before the error code, against the schema, so that API is tested
// byte by byte in raw_protocol_test.cc instead.)
// Usage: node platformatic_admin_test.mjs <bootstrap> <broker node id>
// Prints one JSON line of findings; exit code 0 when every check passed.
import {
  Admin, Producer, Connection, ConfigResourceTypes, IncrementalAlterConfigOperationTypes as Op, ProduceAcks,
  stringSerializers, describeClusterV0, describeClusterV1,
} from '@platformatic/kafka';

const [bootstrap, nodeId] = process.argv.slice(2);
const [host, port] = bootstrap.split(':');
const topic = 'plt-admin-settings';
const findings = {};

function fail(message, extra = {}) {
  console.log(JSON.stringify({ ok: false, message, ...extra, findings }, (_, v) =>
    typeof v === 'bigint' ? v.toString() : v));
  process.exit(1);
}

function check(condition, message, extra = {}) {
  if (!condition) fail(message, extra);
}

// The Kafka error a call failed with, as { code, message } of the first protocol error.
async function kafkaError(promise) {
  try {
    await promise;
    return null;
  } catch (e) {
    const protocolError = e.findBy?.('code', 'PLT_KFK_PROTOCOL');
    if (!protocolError) throw e;
    return { code: protocolError.apiCode, id: protocolError.apiId, message: protocolError.serverErrorMessage };
  }
}

const admin = new Admin({ clientId: 'ringmq-plt-admin', bootstrapBrokers: [bootstrap], retries: 0 });

async function topicSettings(includeDocumentation = false) {
  const [resource] = await admin.describeConfigs({
    resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic }], includeDocumentation });
  return Object.fromEntries(resource.configs.map((c) => [c.name, c]));
}

async function settingsAndSizes() {
  await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1,
                             configs: [{ name: 'retention.ms', value: '60000' }] });
  const producer = new Producer({ clientId: 'ringmq-plt-producer', bootstrapBrokers: [bootstrap],
                                  serializers: stringSerializers, retries: 0 });
  const messages = [];
  for (let i = 0; i < 12; i++) messages.push({ topic, partition: 0, key: `k${i}`, value: 'x'.repeat(100) });
  await producer.send({ acks: ProduceAcks.ALL, messages });
  await producer.close();

  // DescribeConfigs v4: values, sources, types and documentation.
  let s = await topicSettings(true);
  findings.describe = { retention: s['retention.ms'], policy: s['cleanup.policy']?.configType };
  check(s['retention.ms']?.value === '60000' && s['retention.ms'].configSource === 1,
        'retention.ms is not the topic override');
  check(s['retention.ms'].configType === 5 && s['cleanup.policy'].configType === 7,
        'config types are not LONG / LIST');
  check(typeof s['retention.bytes'].documentation === 'string' && s['retention.bytes'].documentation.length > 0,
        'no documentation although it was asked for');
  const [broker] = await admin.describeConfigs({
    resources: [{ resourceType: ConfigResourceTypes.BROKER, resourceName: nodeId }] });
  const logRetention = broker.configs.find((c) => c.name === 'log.retention.ms');
  check(logRetention && logRetention.readOnly, 'the broker resource lacks a read-only log.retention.ms');
  const unknown = await kafkaError(admin.describeConfigs({
    resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: 'plt-no-such-topic' }] }));
  check(unknown?.code === 3, 'describing an unknown topic is not UNKNOWN_TOPIC_OR_PARTITION', { unknown });

  // IncrementalAlterConfigs v1: set and delete in one call; the others stay.
  await admin.incrementalAlterConfigs({ resources: [{
    resourceType: ConfigResourceTypes.TOPIC, resourceName: topic,
    configs: [{ name: 'retention.bytes', configOperation: Op.SET, value: '1048576' },
              { name: 'max.message.bytes', configOperation: Op.SET, value: '4096' }] }] });
  await admin.incrementalAlterConfigs({ resources: [{
    resourceType: ConfigResourceTypes.TOPIC, resourceName: topic,
    configs: [{ name: 'retention.ms', configOperation: Op.DELETE }] }] });
  s = await topicSettings();
  check(s['retention.bytes'].value === '1048576' && s['retention.bytes'].configSource === 1,
        'retention.bytes was not set', { entry: s['retention.bytes'] });
  check(s['max.message.bytes'].value === '4096', 'max.message.bytes was not set');
  check(s['retention.ms'].configSource !== 1, 'retention.ms was not deleted', { entry: s['retention.ms'] });

  // The refusals, each leaving the settings as they were.
  const refusals = {
    compact: await kafkaError(admin.incrementalAlterConfigs({ resources: [{
      resourceType: ConfigResourceTypes.TOPIC, resourceName: topic,
      configs: [{ name: 'cleanup.policy', configOperation: Op.APPEND, value: 'compact' }] }] })),
    unknownSetting: await kafkaError(admin.incrementalAlterConfigs({ resources: [{
      resourceType: ConfigResourceTypes.TOPIC, resourceName: topic,
      configs: [{ name: 'segment.ms', configOperation: Op.SET, value: '1000' }] }] })),
    appendToNumber: await kafkaError(admin.incrementalAlterConfigs({ resources: [{
      resourceType: ConfigResourceTypes.TOPIC, resourceName: topic,
      configs: [{ name: 'retention.bytes', configOperation: Op.APPEND, value: '1' }] }] })),
    broker: await kafkaError(admin.incrementalAlterConfigs({ resources: [{
      resourceType: ConfigResourceTypes.BROKER, resourceName: nodeId,
      configs: [{ name: 'log.retention.ms', configOperation: Op.SET, value: '1000' }] }] })),
    unknownTopic: await kafkaError(admin.incrementalAlterConfigs({ resources: [{
      resourceType: ConfigResourceTypes.TOPIC, resourceName: 'plt-no-such-topic',
      configs: [{ name: 'retention.ms', configOperation: Op.SET, value: '1000' }] }] })),
  };
  findings.refusals = refusals;
  check(refusals.compact?.code === 40 && /compact/.test(refusals.compact.message), 'compact was not refused');
  check(refusals.unknownSetting?.code === 40, 'an unknown setting was not INVALID_CONFIG');
  check(refusals.appendToNumber?.code === 40, 'append to a number was not INVALID_CONFIG');
  check(refusals.broker?.code === 42 && /static/.test(refusals.broker.message), 'a broker setting was not refused');
  check(refusals.unknownTopic?.code === 3, 'an unknown topic was not UNKNOWN_TOPIC_OR_PARTITION');
  await admin.incrementalAlterConfigs({ validateOnly: true, resources: [{
    resourceType: ConfigResourceTypes.TOPIC, resourceName: topic,
    configs: [{ name: 'max.message.bytes', configOperation: Op.SET, value: '1000' }] }] });
  s = await topicSettings();
  check(s['cleanup.policy'].value === 'delete' && s['max.message.bytes'].value === '4096' &&
        s['retention.bytes'].value === '1048576', 'a refused or validate-only change changed something',
        { settings: s });

  // AlterConfigs v2 replaces the whole set.
  await admin.alterConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic,
                                           configs: [{ name: 'max.message.bytes', value: '2048' }] }] });
  s = await topicSettings();
  check(s['max.message.bytes'].value === '2048' && s['retention.bytes'].configSource !== 1,
        'alterConfigs did not replace the settings', { settings: s });

  // DescribeLogDirs v4: the data directory, the partitions' sizes and the volume.
  const [dirs] = await admin.describeLogDirs({ topics: [{ name: topic, partitions: [0, 1, 7] }] });
  const dir = dirs.results[0];
  const sizes = Object.fromEntries(dir.topics[0].partitions.map((p) => [p.partitionIndex, Number(p.partitionSize)]));
  findings.logDir = { logDir: dir.logDir, sizes, total: String(dir.totalBytes), usable: String(dir.usableBytes) };
  check(dirs.results.length === 1 && dir.logDir.startsWith('/'), 'not one absolute log directory');
  check(sizes[0] >= 12 * 100 && sizes[1] === 0 && !(7 in sizes), 'partition sizes are wrong', { sizes });
  check(Number(dir.totalBytes) > 0 && Number(dir.usableBytes) > 0 && dir.totalBytes >= dir.usableBytes,
        'volume sizes are missing');
}

async function cluster() {
  const conn = new Connection('ringmq-plt-raw');
  await conn.connect(host, Number(port));
  try {
    const v1 = await describeClusterV1.api.async(conn, true, 1);
    const v0 = await describeClusterV0.api.async(conn, false);
    findings.cluster = { v1, v0 };
    check(v1.clusterId === 'ringmq' && v1.controllerId === Number(nodeId), 'wrong cluster id or controller');
    check(v1.brokers.length === 1 && v1.brokers[0].brokerId === Number(nodeId) && v1.brokers[0].port === Number(port),
          'the broker list is not this broker');
    check((v1.clusterAuthorizedOperations & (1 << 8)) !== 0, 'DESCRIBE is not among the authorized operations');
    check(v0.clusterAuthorizedOperations === -2147483648, 'operations were sent although not asked for');
    const controllers = await kafkaError(describeClusterV1.api.async(conn, false, 2));
    check(controllers?.code === 114, 'a controllers request was not MISMATCHED_ENDPOINT_TYPE', { controllers });

  } finally {
    await conn.close();
  }
}

try {
  await settingsAndSizes();
  await cluster();
} catch (e) {
  fail(`unexpected error: ${e.message}`, { stack: e.stack, errors: e.errors?.map((x) => x.message) });
} finally {
  await admin.close();
}
console.log(JSON.stringify({ ok: true, findings }, (_, v) => (typeof v === 'bigint' ? v.toString() : v)));
