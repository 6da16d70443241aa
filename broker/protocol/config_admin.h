// DescribeConfigs (key 32, v0-4), AlterConfigs (key 33, v0-2) and IncrementalAlterConfigs
// (key 44, v0-1). Flexible from DescribeConfigs v4, AlterConfigs v2, IncrementalAlterConfigs
// v1. Layouts (the JSON schemas):
//   DescribeConfigs request   resources ARRAY of [resource_type int8, resource_name STRING,
//                               configuration_keys NULLABLE ARRAY STRING (null: all)],
//                             include_synonyms bool (v1+), include_documentation bool (v3+)
//   DescribeConfigs response  throttle_time_ms int32, results ARRAY of [error_code int16,
//                               error_message NULLABLE_STRING, resource_type int8,
//                               resource_name STRING, configs ARRAY of [name STRING,
//                                 value NULLABLE_STRING, read_only bool,
//                                 is_default bool (v0) | config_source int8 (v1+),
//                                 is_sensitive bool,
//                                 synonyms ARRAY of [name STRING, value NULLABLE_STRING,
//                                   source int8] (v1+),
//                                 config_type int8 (v3+), documentation NULLABLE_STRING (v3+)]]
//   AlterConfigs request      resources ARRAY of [resource_type int8, resource_name STRING,
//                               configs ARRAY of [name STRING, value NULLABLE_STRING]],
//                             validate_only bool
//   AlterConfigs response     throttle_time_ms int32, responses ARRAY of [error_code int16,
//                               error_message NULLABLE_STRING, resource_type int8,
//                               resource_name STRING]
//   IncrementalAlterConfigs request   resources ARRAY of [resource_type int8, resource_name
//                               STRING, configs ARRAY of [name STRING, config_operation int8
//                               (0 set, 1 delete, 2 append, 3 subtract), value NULLABLE_STRING]],
//                             validate_only bool
//   IncrementalAlterConfigs response  as AlterConfigs'
// Resource types: 2 topic, 4 broker (3 group, 8 broker logger: not configurable here).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "broker/protocol/error_codes.h"
#include "broker/protocol/reader.h"
#include "broker/protocol/writer.h"
#include "common/result.h"

namespace ringmq::broker::protocol {

inline constexpr int8_t kResourceTopic = 2;
inline constexpr int8_t kResourceBroker = 4;

// ConfigType of DescribeConfigs v3+ (ConfigDef.Type's order).
enum class ConfigType : int8_t { kUnknown = 0, kBoolean = 1, kString = 2, kInt = 3, kLong = 5, kList = 7 };

// IncrementalAlterConfigs' config_operation.
enum class ConfigOperation : int8_t { kSet = 0, kDelete = 1, kAppend = 2, kSubtract = 3 };

struct DescribeConfigsResource {
  int8_t resource_type = 0;
  std::string_view resource_name;
  bool all_keys = true;  // configuration_keys was null
  std::vector<std::string_view> keys;
};

struct DescribeConfigsRequest {
  std::vector<DescribeConfigsResource> resources;
  bool include_synonyms = false;
  bool include_documentation = false;
};

struct DescribeConfigsSynonym {
  std::string_view name;
  std::optional<std::string_view> value;
  int8_t source = 0;
};

struct DescribeConfigsEntry {
  std::string_view name;
  std::optional<std::string_view> value;
  bool read_only = false;
  int8_t config_source = -1;  // v0 sends is_default = (config_source == 5)
  bool is_sensitive = false;
  std::vector<DescribeConfigsSynonym> synonyms;
  ConfigType config_type = ConfigType::kUnknown;
  std::optional<std::string_view> documentation;
};

struct DescribeConfigsResult {
  KafkaError error_code = KafkaError::kNone;
  std::optional<std::string_view> error_message;
  int8_t resource_type = 0;
  std::string_view resource_name;
  std::vector<DescribeConfigsEntry> configs;
};

struct DescribeConfigsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<DescribeConfigsResult> results;
};

struct AlterableConfig {
  std::string_view name;
  std::optional<std::string_view> value;
};

struct AlterConfigsResource {
  int8_t resource_type = 0;
  std::string_view resource_name;
  std::vector<AlterableConfig> configs;
};

struct AlterConfigsRequest {
  std::vector<AlterConfigsResource> resources;
  bool validate_only = false;
};

struct IncrementalAlterableConfig {
  std::string_view name;
  int8_t operation = 0;  // a ConfigOperation, checked by the handler
  std::optional<std::string_view> value;
};

struct IncrementalAlterConfigsResource {
  int8_t resource_type = 0;
  std::string_view resource_name;
  std::vector<IncrementalAlterableConfig> configs;
};

struct IncrementalAlterConfigsRequest {
  std::vector<IncrementalAlterConfigsResource> resources;
  bool validate_only = false;
};

struct AlterConfigsResult {
  KafkaError error_code = KafkaError::kNone;
  std::optional<std::string_view> error_message;
  int8_t resource_type = 0;
  std::string_view resource_name;
};

struct AlterConfigsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<AlterConfigsResult> responses;
};

Status decode_describe_configs_request(int16_t version, Reader& reader, DescribeConfigsRequest& out);
Status encode_describe_configs_response(int16_t version, int32_t correlation_id,
                                        const DescribeConfigsResponse& response, Writer& writer);
Status decode_alter_configs_request(int16_t version, Reader& reader, AlterConfigsRequest& out);
Status encode_alter_configs_response(int16_t version, int32_t correlation_id, const AlterConfigsResponse& response,
                                     Writer& writer);
Status decode_incremental_alter_configs_request(int16_t version, Reader& reader, IncrementalAlterConfigsRequest& out);
// The response has AlterConfigs' layout.
Status encode_incremental_alter_configs_response(int16_t version, int32_t correlation_id,
                                                 const AlterConfigsResponse& response, Writer& writer);

}  // namespace ringmq::broker::protocol
