// Node.js clients over RingMQ's TLS and SASL listeners: KafkaJS (2.2.4) producing and consuming
// over SASL_SSL with SCRAM-SHA-256, and @platformatic/kafka (1.35.0) managing SCRAM users with
// AlterUserScramCredentials / DescribeUserScramCredentials over SASL_SSL + SCRAM-SHA-512 (the
// client salts the password with PBKDF2 itself; the broker never sees it). Then the new user
// logs in with KafkaJS, a wrong password is refused, and an anonymous client on the PLAINTEXT
// listener may not touch credentials.
// Usage: node security_test.mjs <plaintext host:port> <sasl_ssl host:port> <ca.pem>
// Prints one JSON line of findings; exit code 0 when every check passed.
import fs from 'node:fs';
import crypto from 'node:crypto';
import kafkajs from 'kafkajs';
import { Connection, alterUserScramCredentialsV0, describeUserScramCredentialsV0 } from '@platformatic/kafka';

const { Kafka, logLevel } = kafkajs;
const [plaintext, saslSsl, caFile] = process.argv.slice(2);
const ca = [fs.readFileSync(caFile)];
const findings = {};

function fail(message, extra = {}) {
  console.log(JSON.stringify({ ok: false, message, ...extra, findings }));
  process.exit(1);
}
function check(condition, message, extra = {}) {
  if (!condition) fail(message, extra);
}

function kafka(username, password, mechanism) {
  return new Kafka({
    clientId: 'ringmq-security-test', brokers: [saslSsl], ssl: { ca }, logLevel: logLevel.NOTHING,
    sasl: { mechanism, username, password }, retry: { retries: 1 },
  });
}

// Produces and reads back three records as `username`.
async function roundTrip(username, password, mechanism, topic) {
  const client = kafka(username, password, mechanism);
  const producer = client.producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: [{ value: 'one' }, { value: 'two' }, { value: 'three' }] });
  await producer.disconnect();
  const consumer = client.consumer({ groupId: `${topic}-readers` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen.length} records read`)), 30000);
    consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value.toString());
        if (seen.length === 3) { clearTimeout(timer); resolve(); }
      },
    });
  });
  await consumer.disconnect();
  return seen;
}

async function withConnection(bootstrap, options, body) {
  const [host, port] = bootstrap.split(':');
  const conn = new Connection('ringmq-security-admin', options);
  await conn.connect(host, Number(port));
  try {
    return await body(conn);
  } finally {
    await conn.close();
  }
}

function upsertion(name, password, mechanism = 2, iterations = 4096) {
  const salt = crypto.randomBytes(24);
  const digest = mechanism === 1 ? 'sha256' : 'sha512';
  const saltedPassword = crypto.pbkdf2Sync(password, salt, iterations, mechanism === 1 ? 32 : 64, digest);
  return { name, mechanism, iterations, salt, saltedPassword };
}

async function main() {
  findings.kafkajs = await roundTrip('alice', 'alice-secret', 'scram-sha-256', 'node-scram');
  // Auto-created with 3 partitions: order holds per partition only.
  check([...findings.kafkajs].sort().join() === 'one,three,two', 'KafkaJS over SASL_SSL read something else');

  const admin = { tls: { ca }, sasl: { mechanism: 'SCRAM-SHA-512', username: 'alice', password: 'alice-secret' } };
  await withConnection(saslSsl, admin, async (conn) => {
    const altered = await alterUserScramCredentialsV0.api.async(conn, [], [upsertion('carol', 'carol-secret')]);
    findings.altered = altered.results;
    check(altered.results.length === 1 && altered.results[0].errorCode === 0, 'creating carol failed');
    const described = await describeUserScramCredentialsV0.api.async(conn, [{ name: 'carol' }]);
    findings.described = described.results;
    const carol = described.results[0];
    check(carol.errorCode === 0 && carol.credentialInfos.length === 1 && carol.credentialInfos[0].mechanism === 2 &&
          carol.credentialInfos[0].iterations === 4096, 'carol is not described as created');
    // Refusals, each for one user: too few iterations, an unknown mechanism, deleting nothing.
    let refusal = null;
    try {
      await alterUserScramCredentialsV0.api.async(conn, [{ name: 'nobody', mechanism: 1 }],
        [upsertion('weak', 'w', 2, 1000), { ...upsertion('odd', 'o'), mechanism: 7 }]);
    } catch (e) {
      refusal = e.findBy?.('code', 'PLT_KFK_RESPONSE')?.response ?? e.response;
    }
    findings.refusal = refusal?.results;
    const codes = Object.fromEntries((refusal?.results ?? []).map((r) => [r.user, r.errorCode]));
    check(codes.weak === 93 && codes.odd === 33 && codes.nobody === 91,
          'expected UNACCEPTABLE_CREDENTIAL, UNSUPPORTED_SASL_MECHANISM and RESOURCE_NOT_FOUND', { codes });
  });

  findings.carol = await roundTrip('carol', 'carol-secret', 'scram-sha-512', 'node-carol');
  check(findings.carol.length === 3, 'carol could not use the broker');

  let wrong = null;
  try {
    const producer = kafka('carol', 'not-carol', 'scram-sha-512').producer();
    await producer.connect();
  } catch (e) {
    wrong = e.name;
  }
  findings.wrongPassword = wrong;
  check(wrong === 'KafkaJSSASLAuthenticationError', 'a wrong password was not refused as such');

  // Anonymous on PLAINTEXT: no credential changes.
  let anonymous = null;
  try {
    await withConnection(plaintext, {}, (conn) =>
      alterUserScramCredentialsV0.api.async(conn, [], [upsertion('eve', 'eve-secret')]));
  } catch (e) {
    anonymous = (e.findBy?.('code', 'PLT_KFK_RESPONSE')?.response ?? e.response)?.results?.[0]?.errorCode;
  }
  findings.anonymous = anonymous;
  check(anonymous === 31, 'an anonymous client was not refused CLUSTER_AUTHORIZATION_FAILED');
  console.log(JSON.stringify({ ok: true, findings }));
}

main().catch((e) => fail(`unexpected error: ${e.message}`, { stack: e.stack }));
