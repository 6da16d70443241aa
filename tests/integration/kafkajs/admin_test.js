// KafkaJS 2.x's admin client against a real ringmq-broker: listGroups, describeGroups and
// deleteGroups over a live consumer group, a group that only has committed offsets (made by
// setOffsets), an unknown group, and (phase after-restart) a group known only from its
// offsets once the broker restarted; createPartitions and deleteTopicRecords (phase
// partitions); describeConfigs and alterConfigs (phase configs).
// Usage: node admin_test.js <phase> <bootstrap> ; phases: groups, after-restart, partitions.
// Prints one JSON line of findings; exit code 0 when every check passed.
const { Kafka, logLevel, AssignerProtocol } = require('kafkajs');

const [phase, bootstrap] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'ringmq-admin-test', brokers: [bootstrap], logLevel: logLevel.ERROR,
                          retry: { retries: 8, initialRetryTime: 100 } });
const topic = 'kjs-admin-orders';
const live = 'kjs-admin-live';
const offsetsOnly = 'kjs-admin-offsets-only';
const kept = 'kjs-admin-kept';
const unknown = 'kjs-admin-no-such-group';

function fail(message, extra = {}) {
  console.log(JSON.stringify({ ok: false, message, ...extra }));
  process.exit(1);
}

function check(condition, message, extra = {}) {
  if (!condition) fail(message, extra);
}

async function waitFor(predicate, ms, what) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  fail(`timed out waiting for ${what}`);
}

// The error KafkaJS raises for a failed deleteGroups, as { group: type }.
async function deleteErrors(admin, groups) {
  try {
    await admin.deleteGroups(groups);
    return {};
  } catch (e) {
    if (e.name !== 'KafkaJSDeleteGroupsError') throw e;
    return Object.fromEntries(e.groups.map((g) => [g.groupId, g.error && g.error.type]));
  }
}

async function listedIds(admin) {
  const { groups } = await admin.listGroups();
  return Object.fromEntries(groups.map((g) => [g.groupId, g.protocolType]));
}

async function committed(admin, groupId) {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return t.partitions.map((p) => Number(p.offset)).sort((a, b) => a - b);
}

async function groups() {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let i = 0; i < 20; i++) messages.push({ value: `v${i}`, partition: i % 2 });
  await producer.send({ topic, messages, acks: -1 });
  await producer.disconnect();

  // A live member: the group is Stable, describable, and cannot be deleted.
  const consumer = kafka.consumer({ groupId: live, sessionTimeout: 10000, heartbeatInterval: 500,
                                    maxWaitTimeInMs: 200 });
  let seen = 0;
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async () => { seen++; } });
  await waitFor(() => seen >= 20, 30000, 'the consumer to read 20 messages');
  await waitFor(async () => (await admin.describeGroups([live])).groups[0].state === 'Stable', 30000,
                'the group to be Stable');

  const listed = await listedIds(admin);
  check(listed[live] === 'consumer', 'listGroups lacks the live group or its protocol type', { listed });
  const described = await admin.describeGroups([live, unknown]);
  check(described.groups.length === 2, 'describeGroups did not answer for both groups', { described });
  const [d, dead] = described.groups;
  check(d.groupId === live && d.errorCode === 0 && d.protocolType === 'consumer' &&
        d.protocol === 'RoundRobinAssigner' && d.members.length === 1, 'live group described wrongly', { d });
  const member = d.members[0];
  check(member.clientId === 'ringmq-admin-test' && member.clientHost.length > 0, 'member described wrongly',
        { member });
  const assignment = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
  check(assignment && JSON.stringify((assignment.assignment[topic] || []).sort()) === '[0,1]',
        'member assignment does not name both partitions', { assignment });
  const subscription = AssignerProtocol.MemberMetadata.decode(member.memberMetadata);
  check(subscription && subscription.topics.includes(topic), 'member metadata lacks the topic', { subscription });
  check(dead.groupId === unknown && dead.errorCode === 0 && dead.state === 'Dead' && dead.members.length === 0,
        'unknown group not described as Dead', { dead });
  const refused = await deleteErrors(admin, [live]);
  check(refused[live] === 'NON_EMPTY_GROUP', 'deleting a live group was not refused', { refused });

  await consumer.disconnect();  // commits on the way out
  await waitFor(async () => (await admin.describeGroups([live])).groups[0].state === 'Empty', 30000,
                'the group to be Empty');
  const liveOffsets = await committed(admin, live);
  check(JSON.stringify(liveOffsets) === '[10,10]', 'live group offsets not committed', { liveOffsets });

  // Groups that only have offsets (setOffsets commits outside a generation).
  await admin.setOffsets({ groupId: offsetsOnly, topic, partitions: [{ partition: 0, offset: '5' }] });
  await admin.setOffsets({ groupId: kept, topic, partitions: [{ partition: 1, offset: '7' }] });
  const afterSet = await listedIds(admin);
  check(offsetsOnly in afterSet && kept in afterSet, 'groups with offsets only are not listed', { afterSet });
  check(JSON.stringify(await committed(admin, offsetsOnly)) === '[-1,5]', 'setOffsets did not commit');

  await admin.deleteGroups([live, offsetsOnly]);
  const afterDelete = await listedIds(admin);
  check(!(live in afterDelete) && !(offsetsOnly in afterDelete) && kept in afterDelete,
        'deleted groups are still listed (or the kept one is gone)', { afterDelete });
  check(JSON.stringify(await committed(admin, live)) === '[-1,-1]', 'a deleted group kept its offsets');
  check(JSON.stringify(await committed(admin, offsetsOnly)) === '[-1,-1]', 'a deleted group kept its offsets');
  const missing = await deleteErrors(admin, [unknown]);
  check(missing[unknown] === 'GROUP_ID_NOT_FOUND', 'deleting an unknown group did not fail', { missing });
  await admin.disconnect();
  console.log(JSON.stringify({ ok: true, listed, afterDelete }));
}

async function afterRestart() {
  // Group state is in memory; the kept group comes back from its committed offsets.
  const admin = kafka.admin();
  await admin.connect();
  const listed = await listedIds(admin);
  check(kept in listed && !(live in listed), 'after a restart the listed groups are wrong', { listed });
  const [d] = (await admin.describeGroups([kept])).groups;
  check(d.state === 'Empty' && d.members.length === 0, 'a group with offsets only is not Empty', { d });
  check(JSON.stringify(await committed(admin, kept)) === '[-1,7]', 'the kept group lost its offsets');
  await admin.deleteGroups([kept]);
  check(!(kept in await listedIds(admin)), 'the kept group is still listed after deleting it');
  await admin.disconnect();
  console.log(JSON.stringify({ ok: true, listed }));
}

async function partitions() {
  const admin = kafka.admin();
  await admin.connect();
  const grown = 'kjs-admin-grown';
  await admin.createTopics({ topics: [{ topic: grown, numPartitions: 1 }], waitForLeaders: true });
  await admin.createPartitions({ topicPartitions: [{ topic: grown, count: 3 }] });
  const [meta] = (await admin.fetchTopicMetadata({ topics: [grown] })).topics;
  check(meta.partitions.length === 3, 'createPartitions did not grow the topic', { meta });
  const producer = kafka.producer();
  await producer.connect();
  const [sent] = await producer.send({ topic: grown, messages: [{ value: 'p2', partition: 2 }], acks: -1 });
  await producer.disconnect();
  check(sent.partition === 2 && sent.errorCode === 0, 'a new partition refused a record', { sent });
  const refusal = async (topicPartitions) => {
    try {
      await admin.createPartitions({ topicPartitions });
      return 'accepted';
    } catch (e) {
      return e.type || e.name;
    }
  };
  const shrink = await refusal([{ topic: grown, count: 2 }]);
  check(shrink === 'INVALID_PARTITIONS', 'shrinking a topic was not refused', { shrink });
  const unknownTopic = await refusal([{ topic: 'kjs-admin-no-such-topic', count: 2 }]);
  check(unknownTopic === 'UNKNOWN_TOPIC_OR_PARTITION', 'growing an unknown topic was not refused', { unknownTopic });
  // deleteTopicRecords: partition 2 holds offsets 0-2; records before 2 go.
  const more = kafka.producer();
  await more.connect();
  await more.send({ topic: grown, messages: [{ value: 'p2b', partition: 2 }, { value: 'p2c', partition: 2 }], acks: -1 });
  await more.disconnect();
  await admin.deleteTopicRecords({ topic: grown, partitions: [{ partition: 2, offset: '2' }] });
  const offsets = await admin.fetchTopicOffsets(grown);
  const p2 = offsets.find((o) => o.partition === 2);
  check(p2.low === '2' && p2.high === '3', 'deleteTopicRecords did not move the low watermark', { p2 });
  let pastEnd = 'accepted';
  try {
    await admin.deleteTopicRecords({ topic: grown, partitions: [{ partition: 2, offset: '9' }] });
  } catch (e) {
    // KafkaJS wraps the broker's per-partition refusal (KafkaJSDeleteTopicRecordsError) when it
    // gives up retrying.
    const refusal = e.cause && e.cause.partitions ? e.cause : e;
    pastEnd = (refusal.partitions && refusal.partitions[0] && refusal.partitions[0].error &&
               refusal.partitions[0].error.type) || e.type || e.name;
  }
  check(pastEnd === 'OFFSET_OUT_OF_RANGE', 'deleting records past the end was not refused', { pastEnd });
  await admin.disconnect();
  console.log(JSON.stringify({ ok: true, partitions: meta.partitions.length, shrink, unknownTopic, pastEnd }));
}

async function configs() {
  const { ConfigResourceTypes } = require('kafkajs');
  const admin = kafka.admin();
  await admin.connect();
  const topic = 'kjs-admin-settings';
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '60000' }] }] });
  const describe = async () => {
    const { resources } = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
                                                        includeSynonyms: false });
    return Object.fromEntries(resources[0].configEntries.map((c) => [c.configName, c]));
  };
  let entries = await describe();
  check(entries['retention.ms'].configValue === '60000' && entries['retention.ms'].configSource === 1,
        'describeConfigs lacks the topic override', { entry: entries['retention.ms'] });
  check(entries['cleanup.policy'].configValue === 'delete', 'cleanup.policy is not delete');
  await admin.alterConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic,
                                           configEntries: [{ name: 'retention.bytes', value: '1048576' }] }] });
  entries = await describe();
  check(entries['retention.bytes'].configValue === '1048576' && entries['retention.ms'].configSource !== 1,
        'alterConfigs did not replace the settings', { entries });
  let compact = 'accepted';
  try {
    await admin.alterConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic,
                                             configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
  } catch (e) {
    compact = e.type || e.name;
  }
  check(compact === 'INVALID_CONFIG', 'cleanup.policy=compact was not refused', { compact });
  await admin.disconnect();
  console.log(JSON.stringify({ ok: true, compact }));
}

const phases = { groups, 'after-restart': afterRestart, partitions, configs };
(phases[phase] || (() => fail(`unknown phase ${phase}`)))().then(() => process.exit(0),
                                                                (e) => fail(String(e && e.stack || e)));
