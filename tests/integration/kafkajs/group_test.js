// KafkaJS 2.x against a real ringmq-broker: a producer, a consumer group of two members,
// rebalancing when one leaves, and committed offsets respected by a consumer that joins the
// same group later (after a broker restart when RESTART_BROKER_CMD is set by the test).
// Usage: node group_test.js <phase> <bootstrap> ; phases: produce-and-consume, resume.
// Prints one JSON line of findings; exit code 0 when every check passed.
const { Kafka, logLevel } = require('kafkajs');

const [phase, bootstrap] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'ringmq-test', brokers: [bootstrap], logLevel: logLevel.ERROR,
                          retry: { retries: 8, initialRetryTime: 100 } });
const topic = 'kjs-orders';
const group = 'kjs-group';
const partitions = 4;

function fail(message, extra = {}) {
  console.log(JSON.stringify({ ok: false, message, ...extra }));
  process.exit(1);
}

async function waitFor(predicate, ms, what) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (predicate()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  fail(`timed out waiting for ${what}`);
}

async function produce(from, count) {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const messages = [];
  for (let i = from; i < from + count; i++) messages.push({ key: `k${i}`, value: `v${i}`, partition: i % partitions });
  await producer.send({ topic, messages, acks: -1 });
  await producer.disconnect();
}

async function member(name, seen, assigned) {
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10000, heartbeatInterval: 500,
                                    rebalanceTimeout: 10000, maxWaitTimeInMs: 200 });
  consumer.on(consumer.events.GROUP_JOIN, (e) => { assigned[name] = e.payload.memberAssignment[topic] || []; });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ partition, message }) => {
    seen.push({ member: name, partition, offset: Number(message.offset), value: message.value.toString() });
  } });
  return consumer;
}

async function produceAndConsume() {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  await admin.disconnect();

  await produce(0, 200);
  const seen = [];
  const assigned = {};
  const a = await member('a', seen, assigned);
  const b = await member('b', seen, assigned);
  await waitFor(() => assigned.a && assigned.b && assigned.a.length + assigned.b.length === partitions &&
                      assigned.a.length > 0 && assigned.b.length > 0, 30000, 'both members to share the partitions');
  await waitFor(() => new Set(seen.map((s) => s.value)).size >= 200, 30000, 'the first 200 messages');
  const firstSplit = { a: assigned.a.slice().sort(), b: assigned.b.slice().sort() };

  // Member b leaves: a must take over every partition and receive what comes next.
  await b.disconnect();
  await waitFor(() => assigned.a && assigned.a.length === partitions, 30000, 'member a to own all partitions');
  await produce(200, 100);
  await waitFor(() => seen.filter((s) => s.member === 'a' && Number(s.value.slice(1)) >= 200).length >= 100, 30000,
                'member a to receive the next 100');
  await a.disconnect();  // commits its offsets on the way out

  const values = new Set(seen.map((s) => s.value));
  for (let i = 0; i < 300; i++) if (!values.has(`v${i}`)) fail(`message v${i} never consumed`);
  // Order within each partition, per member session.
  for (const m of ['a', 'b']) {
    for (let p = 0; p < partitions; p++) {
      const offsets = seen.filter((s) => s.member === m && s.partition === p).map((s) => s.offset);
      for (let i = 1; i < offsets.length; i++) if (offsets[i] <= offsets[i - 1]) fail(`out of order in ${m}/${p}`);
    }
  }
  console.log(JSON.stringify({ ok: true, consumed: seen.length, firstSplit }));
}

async function resume() {
  // After a restart: the same group must start from its committed offsets (nothing old again).
  await produce(300, 40);
  const seen = [];
  const assigned = {};
  const c = await member('c', seen, assigned);
  await waitFor(() => seen.length >= 40, 30000, 'the 40 new messages');
  await new Promise((r) => setTimeout(r, 1000));  // anything old would arrive by now
  await c.disconnect();
  const old = seen.filter((s) => Number(s.value.slice(1)) < 300);
  if (old.length > 0) fail('messages before the committed offsets were consumed again', { old: old.length });
  console.log(JSON.stringify({ ok: true, consumed: seen.length }));
}

(phase === 'resume' ? resume() : produceAndConsume()).then(() => process.exit(0), (e) => fail(String(e && e.stack || e)));
