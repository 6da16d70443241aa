#include "admin/kafka_admin.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <tuple>
#include <utility>

namespace ringmq::admin {
namespace {

using broker::security::AclBinding;
using broker::security::AclBindingFilter;

AdminError error_of(rd_kafka_resp_err_t err, const std::string& message = {}) {
  const bool unreachable = err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
                           err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__RESOLVE;
  return {rd_kafka_err2name(err), message.empty() ? rd_kafka_err2str(err) : message, unreachable};
}

std::string name_of(rd_kafka_resp_err_t err) { return err ? rd_kafka_err2name(err) : "NO_ERROR"; }

// RAII for the librdkafka objects an admin call creates.
struct Deleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
  void operator()(rd_kafka_AdminOptions_t* o) const { rd_kafka_AdminOptions_destroy(o); }
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
  void operator()(const rd_kafka_metadata_t* m) const { rd_kafka_metadata_destroy(m); }
};
using Event = std::unique_ptr<rd_kafka_event_t, Deleter>;
using Options = std::unique_ptr<rd_kafka_AdminOptions_t, Deleter>;
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, Deleter>;
using Metadata = std::unique_ptr<const rd_kafka_metadata_t, Deleter>;

std::vector<PartitionOutcome> outcomes_of(const rd_kafka_topic_partition_list_t* list) {
  std::vector<PartitionOutcome> out;
  for (int i = 0; list && i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    out.push_back({p.topic, p.partition, p.offset, name_of(p.err)});
  }
  return out;
}

PartitionList list_of(const std::vector<PartitionOutcome>& partitions) {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (const PartitionOutcome& p : partitions)
    rd_kafka_topic_partition_list_add(list.get(), p.topic.c_str(), p.partition)->offset = p.offset;
  return list;
}

// The partitions of the one group a group-offsets call was made for, or its error.
AdminResult<std::vector<PartitionOutcome>> partitions_of_one_group(const rd_kafka_group_result_t** groups, size_t n) {
  if (n != 1) return std::unexpected(AdminError{"UNKNOWN", "no result for the group"});
  if (const rd_kafka_error_t* error = rd_kafka_group_result_error(groups[0]))
    return std::unexpected(AdminError{rd_kafka_error_name(error), rd_kafka_error_string(error)});
  return outcomes_of(rd_kafka_group_result_partitions(groups[0]));
}

const char* state_name(rd_kafka_consumer_group_state_t state) { return rd_kafka_consumer_group_state_name(state); }

}  // namespace

KafkaAdmin::KafkaAdmin(rd_kafka_s* producer, rd_kafka_s* consumer, rd_kafka_queue_s* queue, int timeout_ms)
    : producer_(producer), consumer_(consumer), queue_(queue), timeout_ms_(timeout_ms) {}

KafkaAdmin::~KafkaAdmin() {
  rd_kafka_queue_destroy(queue_);
  rd_kafka_destroy(consumer_);
  rd_kafka_destroy(producer_);
}

AdminResult<std::unique_ptr<KafkaAdmin>> KafkaAdmin::connect(const std::string& bootstrap, int timeout_ms,
                                                             const std::map<std::string, std::string>& properties) {
  auto make = [&](rd_kafka_type_t type) -> AdminResult<rd_kafka_t*> {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    const std::pair<const char*, std::string> settings[] = {
        {"bootstrap.servers", bootstrap},
        {"client.id", "ringmq-admin"},
        {"allow.auto.create.topics", "false"},
        {"log_level", "0"},  // failures are reported by the calls, not printed by librdkafka
        {"socket.timeout.ms", std::to_string(timeout_ms)},
    };
    for (const auto& [key, value] : settings) {
      if (rd_kafka_conf_set(conf, key, value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        return std::unexpected(AdminError{"INVALID_ARG", err});
      }
    }
    // -X: security.protocol, sasl.*, ssl.* and any other client property.
    for (const auto& [key, value] : properties) {
      if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        return std::unexpected(AdminError{"INVALID_ARG", "-X " + key + ": " + err});
      }
    }
    if (type == RD_KAFKA_CONSUMER) rd_kafka_conf_set(conf, "group.id", "ringmq-admin", err, sizeof err);
    rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);  // takes conf on success
    if (!rk) {
      rd_kafka_conf_destroy(conf);
      return std::unexpected(AdminError{"INVALID_ARG", err});
    }
    return rk;
  };
  auto producer = make(RD_KAFKA_PRODUCER);
  if (!producer) return std::unexpected(producer.error());
  auto consumer = make(RD_KAFKA_CONSUMER);
  if (!consumer) {
    rd_kafka_destroy(*producer);
    return std::unexpected(consumer.error());
  }
  std::unique_ptr<KafkaAdmin> admin(new KafkaAdmin(*producer, *consumer, rd_kafka_queue_new(*producer), timeout_ms));
  // Reach the broker once now, so that an unreachable address is reported as such.
  const rd_kafka_metadata_t* metadata = nullptr;
  if (rd_kafka_resp_err_t err = rd_kafka_metadata(admin->producer_, 0, nullptr, &metadata, timeout_ms); err) {
    AdminError e = error_of(err, "cannot reach " + bootstrap + ": " + rd_kafka_err2str(err));
    e.unreachable = true;
    return std::unexpected(e);
  }
  rd_kafka_metadata_destroy(metadata);
  return admin;
}

AdminResult<ClusterInfo> KafkaAdmin::cluster() {
  const rd_kafka_metadata_t* raw = nullptr;
  if (rd_kafka_resp_err_t err = rd_kafka_metadata(producer_, 1, nullptr, &raw, timeout_ms_); err)
    return std::unexpected(error_of(err));
  Metadata metadata(raw);
  ClusterInfo info;
  for (int i = 0; i < metadata->broker_cnt; ++i)
    info.brokers.push_back({metadata->brokers[i].id, metadata->brokers[i].host, metadata->brokers[i].port});
  info.controller_id = rd_kafka_controllerid(producer_, timeout_ms_);
  for (int t = 0; t < metadata->topic_cnt; ++t) {
    const rd_kafka_metadata_topic_t& topic = metadata->topics[t];
    if (topic.err) continue;
    TopicInfo& out = info.topics.emplace_back();
    out.name = topic.topic;
    for (int p = 0; p < topic.partition_cnt; ++p)
      out.partitions.push_back({topic.partitions[p].id, topic.partitions[p].leader});
  }
  std::sort(info.topics.begin(), info.topics.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return info;
}

AdminResult<TopicInfo> KafkaAdmin::describe_topic(const std::string& topic) {
  auto all = cluster();
  if (!all) return std::unexpected(all.error());
  for (TopicInfo& t : all->topics) {
    if (t.name != topic) continue;
    std::sort(t.partitions.begin(), t.partitions.end(),
              [](const auto& a, const auto& b) { return a.partition < b.partition; });
    for (PartitionInfo& p : t.partitions) {
      if (rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(consumer_, topic.c_str(), p.partition,
                                                                     &p.start_offset, &p.end_offset, timeout_ms_);
          err)
        return std::unexpected(error_of(err));
    }
    return std::move(t);
  }
  return std::unexpected(error_of(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, "topic '" + topic + "' does not exist"));
}

namespace {

// Runs one admin call that posts its result to `queue` and waits for the event.
template <typename Call>
AdminResult<Event> run(rd_kafka_t* rk, rd_kafka_queue_t* queue, rd_kafka_admin_op_t op, int timeout_ms, Call call) {
  Options options(rd_kafka_AdminOptions_new(rk, op));
  char err[512];
  rd_kafka_AdminOptions_set_request_timeout(options.get(), timeout_ms, err, sizeof err);
  call(options.get());
  Event event(rd_kafka_queue_poll(queue, timeout_ms + 5000));
  if (!event) return std::unexpected(error_of(RD_KAFKA_RESP_ERR__TIMED_OUT));
  if (rd_kafka_resp_err_t e = rd_kafka_event_error(event.get()); e)
    return std::unexpected(error_of(e, rd_kafka_event_error_string(event.get())));
  return event;
}

std::vector<NamedOutcome> topic_outcomes(const rd_kafka_topic_result_t** results, size_t n) {
  std::vector<NamedOutcome> out;
  for (size_t i = 0; i < n; ++i) {
    const char* message = rd_kafka_topic_result_error_string(results[i]);
    out.push_back({rd_kafka_topic_result_name(results[i]), name_of(rd_kafka_topic_result_error(results[i])),
                   message ? message : ""});
  }
  return out;
}

std::vector<NamedOutcome> group_outcomes(const rd_kafka_group_result_t** results, size_t n) {
  std::vector<NamedOutcome> out;
  for (size_t i = 0; i < n; ++i) {
    const rd_kafka_error_t* error = rd_kafka_group_result_error(results[i]);
    out.push_back({rd_kafka_group_result_name(results[i]), error ? rd_kafka_error_name(error) : "NO_ERROR",
                   error ? rd_kafka_error_string(error) : ""});
  }
  return out;
}

}  // namespace

AdminResult<NamedOutcome> KafkaAdmin::create_topic(const std::string& topic, int partitions,
                                                   const std::map<std::string, std::string>& configs) {
  char err[512];
  rd_kafka_NewTopic_t* request = rd_kafka_NewTopic_new(topic.c_str(), partitions, -1, err, sizeof err);
  if (!request) return std::unexpected(AdminError{"INVALID_ARG", err});
  for (const auto& [key, value] : configs) rd_kafka_NewTopic_set_config(request, key.c_str(), value.c_str());
  auto event = run(producer_, queue_, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout_ms_,
                   [&](rd_kafka_AdminOptions_t* o) { rd_kafka_CreateTopics(producer_, &request, 1, o, queue_); });
  rd_kafka_NewTopic_destroy(request);
  if (!event) return std::unexpected(event.error());
  size_t n = 0;
  auto* results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event->get()), &n);
  auto outcomes = topic_outcomes(results, n);
  if (outcomes.empty()) return std::unexpected(AdminError{"UNKNOWN", "no result for the topic"});
  return outcomes.front();
}

AdminResult<std::vector<NamedOutcome>> KafkaAdmin::delete_topics(const std::vector<std::string>& topics) {
  std::vector<rd_kafka_DeleteTopic_t*> requests;
  for (const std::string& t : topics) requests.push_back(rd_kafka_DeleteTopic_new(t.c_str()));
  auto event = run(producer_, queue_, RD_KAFKA_ADMIN_OP_DELETETOPICS, timeout_ms_, [&](rd_kafka_AdminOptions_t* o) {
    rd_kafka_DeleteTopics(producer_, requests.data(), requests.size(), o, queue_);
  });
  rd_kafka_DeleteTopic_destroy_array(requests.data(), requests.size());
  if (!event) return std::unexpected(event.error());
  size_t n = 0;
  auto* results = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event->get()), &n);
  return topic_outcomes(results, n);
}

AdminResult<NamedOutcome> KafkaAdmin::add_partitions(const std::string& topic, int total) {
  char err[512];
  rd_kafka_NewPartitions_t* request = rd_kafka_NewPartitions_new(topic.c_str(), total, err, sizeof err);
  if (!request) return std::unexpected(AdminError{"INVALID_ARG", err});
  auto event = run(producer_, queue_, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, timeout_ms_,
                   [&](rd_kafka_AdminOptions_t* o) { rd_kafka_CreatePartitions(producer_, &request, 1, o, queue_); });
  rd_kafka_NewPartitions_destroy(request);
  if (!event) return std::unexpected(event.error());
  size_t n = 0;
  auto* results = rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(event->get()), &n);
  auto outcomes = topic_outcomes(results, n);
  if (outcomes.empty()) return std::unexpected(AdminError{"UNKNOWN", "no result for the topic"});
  return outcomes.front();
}

AdminResult<std::vector<PartitionOutcome>> KafkaAdmin::delete_records(const std::vector<PartitionOutcome>& before) {
  PartitionList list = list_of(before);
  rd_kafka_DeleteRecords_t* request = rd_kafka_DeleteRecords_new(list.get());
  auto event = run(producer_, queue_, RD_KAFKA_ADMIN_OP_DELETERECORDS, timeout_ms_,
                   [&](rd_kafka_AdminOptions_t* o) { rd_kafka_DeleteRecords(producer_, &request, 1, o, queue_); });
  rd_kafka_DeleteRecords_destroy(request);
  if (!event) return std::unexpected(event.error());
  return outcomes_of(rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(event->get())));
}

AdminResult<std::vector<ConfigLine>> KafkaAdmin::topic_configs(const std::string& topic) {
  rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  auto event = run(producer_, queue_, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout_ms_,
                   [&](rd_kafka_AdminOptions_t* o) { rd_kafka_DescribeConfigs(producer_, &resource, 1, o, queue_); });
  rd_kafka_ConfigResource_destroy(resource);
  if (!event) return std::unexpected(event.error());
  size_t n = 0;
  const rd_kafka_ConfigResource_t** resources =
      rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(event->get()), &n);
  if (n != 1) return std::unexpected(AdminError{"UNKNOWN", "no result for the topic"});
  if (rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(resources[0]); err) {
    const char* message = rd_kafka_ConfigResource_error_string(resources[0]);
    return std::unexpected(error_of(err, message ? message : ""));
  }
  size_t count = 0;
  const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(resources[0], &count);
  std::vector<ConfigLine> out;
  for (size_t i = 0; i < count; ++i) {
    const char* value = rd_kafka_ConfigEntry_value(entries[i]);
    const rd_kafka_ConfigSource_t source = rd_kafka_ConfigEntry_source(entries[i]);
    out.push_back({rd_kafka_ConfigEntry_name(entries[i]), value ? value : "", rd_kafka_ConfigSource_name(source),
                   rd_kafka_ConfigEntry_is_read_only(entries[i]) != 0,
                   source == RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG});
  }
  return out;
}

AdminResult<NamedOutcome> KafkaAdmin::replace_topic_configs(const std::string& topic,
                                                            const std::map<std::string, std::string>& settings) {
  rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  for (const auto& [key, value] : settings) rd_kafka_ConfigResource_set_config(resource, key.c_str(), value.c_str());
  auto event = run(producer_, queue_, RD_KAFKA_ADMIN_OP_ALTERCONFIGS, timeout_ms_,
                   [&](rd_kafka_AdminOptions_t* o) { rd_kafka_AlterConfigs(producer_, &resource, 1, o, queue_); });
  rd_kafka_ConfigResource_destroy(resource);
  if (!event) return std::unexpected(event.error());
  size_t n = 0;
  const rd_kafka_ConfigResource_t** resources =
      rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(event->get()), &n);
  if (n != 1) return std::unexpected(AdminError{"UNKNOWN", "no result for the topic"});
  const rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(resources[0]);
  const char* message = rd_kafka_ConfigResource_error_string(resources[0]);
  return NamedOutcome{topic, name_of(err), message ? message : ""};
}

AdminResult<std::vector<GroupListing>> KafkaAdmin::list_groups() {
  auto event = run(producer_, queue_, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, timeout_ms_,
                   [&](rd_kafka_AdminOptions_t* o) { rd_kafka_ListConsumerGroups(producer_, o, queue_); });
  if (!event) return std::unexpected(event.error());
  const auto* result = rd_kafka_event_ListConsumerGroups_result(event->get());
  size_t errors = 0;
  const rd_kafka_error_t** failed = rd_kafka_ListConsumerGroups_result_errors(result, &errors);
  if (errors > 0) return std::unexpected(AdminError{rd_kafka_error_name(failed[0]), rd_kafka_error_string(failed[0])});
  size_t n = 0;
  const rd_kafka_ConsumerGroupListing_t** valid = rd_kafka_ListConsumerGroups_result_valid(result, &n);
  std::vector<GroupListing> out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back({rd_kafka_ConsumerGroupListing_group_id(valid[i]),
                   state_name(rd_kafka_ConsumerGroupListing_state(valid[i])),
                   rd_kafka_ConsumerGroupListing_is_simple_consumer_group(valid[i]) != 0});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.group < b.group; });
  return out;
}

AdminResult<GroupDescription> KafkaAdmin::describe_group(const std::string& group) {
  const char* names[] = {group.c_str()};
  auto event =
      run(producer_, queue_, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, timeout_ms_,
          [&](rd_kafka_AdminOptions_t* o) { rd_kafka_DescribeConsumerGroups(producer_, names, 1, o, queue_); });
  if (!event) return std::unexpected(event.error());
  size_t n = 0;
  const rd_kafka_ConsumerGroupDescription_t** groups =
      rd_kafka_DescribeConsumerGroups_result_groups(rd_kafka_event_DescribeConsumerGroups_result(event->get()), &n);
  if (n != 1) return std::unexpected(AdminError{"UNKNOWN", "no description of the group"});
  if (const rd_kafka_error_t* error = rd_kafka_ConsumerGroupDescription_error(groups[0]))
    return std::unexpected(AdminError{rd_kafka_error_name(error), rd_kafka_error_string(error)});
  GroupDescription out;
  out.group = group;
  out.state = state_name(rd_kafka_ConsumerGroupDescription_state(groups[0]));
  const char* assignor = rd_kafka_ConsumerGroupDescription_partition_assignor(groups[0]);
  out.assignor = assignor ? assignor : "";
  for (size_t i = 0; i < rd_kafka_ConsumerGroupDescription_member_count(groups[0]); ++i) {
    const rd_kafka_MemberDescription_t* m = rd_kafka_ConsumerGroupDescription_member(groups[0], i);
    GroupMember& member = out.members.emplace_back();
    member.member_id = rd_kafka_MemberDescription_consumer_id(m);
    member.client_id = rd_kafka_MemberDescription_client_id(m);
    member.host = rd_kafka_MemberDescription_host(m);
    const rd_kafka_topic_partition_list_t* assigned =
        rd_kafka_MemberAssignment_partitions(rd_kafka_MemberDescription_assignment(m));
    for (int p = 0; assigned && p < assigned->cnt; ++p)
      member.assignment.emplace_back(assigned->elems[p].topic, assigned->elems[p].partition);
  }
  return out;
}

AdminResult<std::vector<NamedOutcome>> KafkaAdmin::delete_groups(const std::vector<std::string>& groups) {
  std::vector<rd_kafka_DeleteGroup_t*> requests;
  for (const std::string& g : groups) requests.push_back(rd_kafka_DeleteGroup_new(g.c_str()));
  auto event = run(producer_, queue_, RD_KAFKA_ADMIN_OP_DELETEGROUPS, timeout_ms_, [&](rd_kafka_AdminOptions_t* o) {
    rd_kafka_DeleteGroups(producer_, requests.data(), requests.size(), o, queue_);
  });
  rd_kafka_DeleteGroup_destroy_array(requests.data(), requests.size());
  if (!event) return std::unexpected(event.error());
  size_t n = 0;
  auto* results = rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(event->get()), &n);
  return group_outcomes(results, n);
}

AdminResult<std::vector<PartitionOutcome>> KafkaAdmin::committed(const std::string& group,
                                                                 const std::vector<std::string>& topics) {
  PartitionList list;
  if (!topics.empty()) {
    std::vector<PartitionOutcome> partitions;
    for (const std::string& topic : topics) {
      auto t = describe_topic(topic);
      if (!t) return std::unexpected(t.error());
      for (const PartitionInfo& p : t->partitions) partitions.push_back({topic, p.partition});
    }
    list = list_of(partitions);
  }
  rd_kafka_ListConsumerGroupOffsets_t* request = rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), list.get());
  auto event =
      run(producer_, queue_, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeout_ms_,
          [&](rd_kafka_AdminOptions_t* o) { rd_kafka_ListConsumerGroupOffsets(producer_, &request, 1, o, queue_); });
  rd_kafka_ListConsumerGroupOffsets_destroy(request);
  if (!event) return std::unexpected(event.error());
  size_t n = 0;
  auto* groups =
      rd_kafka_ListConsumerGroupOffsets_result_groups(rd_kafka_event_ListConsumerGroupOffsets_result(event->get()), &n);
  auto out = partitions_of_one_group(groups, n);
  if (!out) return out;
  std::sort(out->begin(), out->end(), [](const auto& a, const auto& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  });
  return out;
}

AdminResult<std::vector<PartitionOutcome>> KafkaAdmin::alter_offsets(const std::string& group,
                                                                     const std::vector<PartitionOutcome>& offsets) {
  PartitionList list = list_of(offsets);
  rd_kafka_AlterConsumerGroupOffsets_t* request = rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get());
  auto event =
      run(producer_, queue_, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, timeout_ms_,
          [&](rd_kafka_AdminOptions_t* o) { rd_kafka_AlterConsumerGroupOffsets(producer_, &request, 1, o, queue_); });
  rd_kafka_AlterConsumerGroupOffsets_destroy(request);
  if (!event) return std::unexpected(event.error());
  size_t n = 0;
  auto* groups = rd_kafka_AlterConsumerGroupOffsets_result_groups(
      rd_kafka_event_AlterConsumerGroupOffsets_result(event->get()), &n);
  return partitions_of_one_group(groups, n);
}

AdminResult<std::vector<PartitionOutcome>> KafkaAdmin::delete_offsets(const std::string& group,
                                                                      const std::vector<PartitionOutcome>& partitions) {
  PartitionList list = list_of(partitions);
  rd_kafka_DeleteConsumerGroupOffsets_t* request = rd_kafka_DeleteConsumerGroupOffsets_new(group.c_str(), list.get());
  auto event =
      run(producer_, queue_, RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS, timeout_ms_,
          [&](rd_kafka_AdminOptions_t* o) { rd_kafka_DeleteConsumerGroupOffsets(producer_, &request, 1, o, queue_); });
  rd_kafka_DeleteConsumerGroupOffsets_destroy(request);
  if (!event) return std::unexpected(event.error());
  size_t n = 0;
  auto* groups = rd_kafka_DeleteConsumerGroupOffsets_result_groups(
      rd_kafka_event_DeleteConsumerGroupOffsets_result(event->get()), &n);
  return partitions_of_one_group(groups, n);
}

AdminResult<std::vector<PartitionOutcome>> KafkaAdmin::offsets_for_time(const std::string& topic, int64_t time_ms) {
  auto t = describe_topic(topic);
  if (!t) return std::unexpected(t.error());
  std::vector<PartitionOutcome> partitions;
  for (const PartitionInfo& p : t->partitions) partitions.push_back({topic, p.partition, time_ms});
  PartitionList list = list_of(partitions);
  if (rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(consumer_, list.get(), timeout_ms_); err)
    return std::unexpected(error_of(err));
  return outcomes_of(list.get());
}

namespace {

// librdkafka's ACL enums carry Kafka's wire codes, as broker/security/acl.h's do: values cast
// across unchanged, and a code this librdkafka does not know (TRANSACTIONAL_ID before 2.6.0)
// arrives as UNKNOWN.
AclBinding binding_of(const rd_kafka_AclBinding_t* acl) {
  auto text = [](const char* s) { return std::string(s ? s : ""); };
  return {static_cast<broker::security::AclResourceType>(rd_kafka_AclBinding_restype(acl)),
          text(rd_kafka_AclBinding_name(acl)),
          static_cast<broker::security::AclPatternType>(rd_kafka_AclBinding_resource_pattern_type(acl)),
          text(rd_kafka_AclBinding_principal(acl)),
          text(rd_kafka_AclBinding_host(acl)),
          static_cast<broker::security::AclOperation>(rd_kafka_AclBinding_operation(acl)),
          static_cast<broker::security::AclPermission>(rd_kafka_AclBinding_permission_type(acl))};
}

// Why librdkafka would not build a binding or filter. Before 2.6.0 it has no TRANSACTIONAL_ID
// resource type and calls Kafka's code for it invalid; say which version can.
AdminError acl_argument_error(broker::security::AclResourceType type, const char* err) {
  if (type == broker::security::AclResourceType::kTransactionalId)
    return error_of(RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED,
                    std::string("librdkafka ") + rd_kafka_version_str() +
                        " cannot name TRANSACTIONAL_ID resources in ACLs (librdkafka 2.6.0 and later can)");
  return {"INVALID_ARG", err};
}

AdminResult<rd_kafka_AclBinding_t*> new_binding(const AclBinding& b) {
  char err[512];
  rd_kafka_AclBinding_t* acl =
      rd_kafka_AclBinding_new(static_cast<rd_kafka_ResourceType_t>(b.resource_type), b.resource_name.c_str(),
                              static_cast<rd_kafka_ResourcePatternType_t>(b.pattern_type), b.principal.c_str(),
                              b.host.c_str(), static_cast<rd_kafka_AclOperation_t>(b.operation),
                              static_cast<rd_kafka_AclPermissionType_t>(b.permission), err, sizeof err);
  if (!acl) return std::unexpected(acl_argument_error(b.resource_type, err));
  return acl;
}

// Unset strings are NULL: any name, principal or host.
AdminResult<rd_kafka_AclBinding_t*> new_filter(const AclBindingFilter& f) {
  auto or_null = [](const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; };
  char err[512];
  rd_kafka_AclBindingFilter_t* acl =
      rd_kafka_AclBindingFilter_new(static_cast<rd_kafka_ResourceType_t>(f.resource_type), or_null(f.resource_name),
                                    static_cast<rd_kafka_ResourcePatternType_t>(f.pattern_type), or_null(f.principal),
                                    or_null(f.host), static_cast<rd_kafka_AclOperation_t>(f.operation),
                                    static_cast<rd_kafka_AclPermissionType_t>(f.permission), err, sizeof err);
  if (!acl) return std::unexpected(acl_argument_error(f.resource_type, err));
  return acl;
}

// librdkafka copies of all `items` (made by `make`), for the caller to free with
// rd_kafka_AclBinding_destroy_array; none are left behind if one cannot be made.
template <typename Item, typename Make>
AdminResult<std::vector<rd_kafka_AclBinding_t*>> new_acls(const std::vector<Item>& items, Make make) {
  std::vector<rd_kafka_AclBinding_t*> acls;
  for (const Item& item : items) {
    auto acl = make(item);
    if (!acl) {
      rd_kafka_AclBinding_destroy_array(acls.data(), acls.size());
      return std::unexpected(acl.error());
    }
    acls.push_back(*acl);
  }
  return acls;
}

AdminError count_mismatch(const char* call, size_t answered, size_t asked) {
  return {"UNKNOWN", std::string(call) + " answered " + std::to_string(answered) + " results for " +
                         std::to_string(asked) + " requests"};
}

}  // namespace

AdminResult<std::vector<AclCreation>> KafkaAdmin::create_acls(const std::vector<AclBinding>& bindings) {
  auto requests = new_acls(bindings, new_binding);
  if (!requests) return std::unexpected(requests.error());
  auto event = run(producer_, queue_, RD_KAFKA_ADMIN_OP_CREATEACLS, timeout_ms_, [&](rd_kafka_AdminOptions_t* o) {
    rd_kafka_CreateAcls(producer_, requests->data(), requests->size(), o, queue_);
  });
  rd_kafka_AclBinding_destroy_array(requests->data(), requests->size());
  if (!event) return std::unexpected(event.error());
  size_t n = 0;
  const rd_kafka_acl_result_t** results =
      rd_kafka_CreateAcls_result_acls(rd_kafka_event_CreateAcls_result(event->get()), &n);
  if (n != bindings.size()) return std::unexpected(count_mismatch("CreateAcls", n, bindings.size()));
  std::vector<AclCreation> out;
  for (size_t i = 0; i < n; ++i) {
    const rd_kafka_error_t* error = rd_kafka_acl_result_error(results[i]);
    out.push_back(
        {bindings[i], error ? rd_kafka_error_name(error) : "NO_ERROR", error ? rd_kafka_error_string(error) : ""});
  }
  return out;
}

AdminResult<std::vector<AclBinding>> KafkaAdmin::describe_acls(const AclBindingFilter& filter) {
  auto request = new_filter(filter);
  if (!request) return std::unexpected(request.error());
  auto event = run(producer_, queue_, RD_KAFKA_ADMIN_OP_DESCRIBEACLS, timeout_ms_,
                   [&](rd_kafka_AdminOptions_t* o) { rd_kafka_DescribeAcls(producer_, *request, o, queue_); });
  rd_kafka_AclBinding_destroy(*request);
  if (!event) return std::unexpected(event.error());
  size_t n = 0;
  const rd_kafka_AclBinding_t** acls =
      rd_kafka_DescribeAcls_result_acls(rd_kafka_event_DescribeAcls_result(event->get()), &n);
  std::vector<AclBinding> out;
  for (size_t i = 0; i < n; ++i) out.push_back(binding_of(acls[i]));
  return out;
}

AdminResult<std::vector<AclDeletion>> KafkaAdmin::delete_acls(const std::vector<AclBindingFilter>& filters) {
  auto requests = new_acls(filters, new_filter);
  if (!requests) return std::unexpected(requests.error());
  auto event = run(producer_, queue_, RD_KAFKA_ADMIN_OP_DELETEACLS, timeout_ms_, [&](rd_kafka_AdminOptions_t* o) {
    rd_kafka_DeleteAcls(producer_, requests->data(), requests->size(), o, queue_);
  });
  rd_kafka_AclBinding_destroy_array(requests->data(), requests->size());
  if (!event) return std::unexpected(event.error());
  size_t n = 0;
  const rd_kafka_DeleteAcls_result_response_t** responses =
      rd_kafka_DeleteAcls_result_responses(rd_kafka_event_DeleteAcls_result(event->get()), &n);
  if (n != filters.size()) return std::unexpected(count_mismatch("DeleteAcls", n, filters.size()));
  std::vector<AclDeletion> out;
  for (size_t i = 0; i < n; ++i) {
    AclDeletion& deletion = out.emplace_back();
    if (const rd_kafka_error_t* error = rd_kafka_DeleteAcls_result_response_error(responses[i])) {
      deletion.error = rd_kafka_error_name(error);
      deletion.message = rd_kafka_error_string(error);
      continue;
    }
    size_t matched = 0;
    const rd_kafka_AclBinding_t** acls = rd_kafka_DeleteAcls_result_response_matching_acls(responses[i], &matched);
    for (size_t j = 0; j < matched; ++j) {
      // Kafka may refuse one matching binding and remove the others: that one stays.
      if (const rd_kafka_error_t* error = rd_kafka_AclBinding_error(acls[j])) {
        deletion.error = rd_kafka_error_name(error);
        deletion.message = rd_kafka_error_string(error);
        continue;
      }
      deletion.removed.push_back(binding_of(acls[j]));
    }
  }
  return out;
}

}  // namespace ringmq::admin
