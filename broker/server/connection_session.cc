#include "broker/server/connection_session.h"

#include "broker/security/scram.h"

namespace ringmq::broker {

// Out of line: ScramServerExchange is complete only here.
ConnectionSession::ConnectionSession() = default;
ConnectionSession::~ConnectionSession() = default;
ConnectionSession::ConnectionSession(ConnectionSession&&) noexcept = default;
ConnectionSession& ConnectionSession::operator=(ConnectionSession&&) noexcept = default;

}  // namespace ringmq::broker
