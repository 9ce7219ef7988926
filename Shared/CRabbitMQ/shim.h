#ifndef TTHC_CRABBITMQ_SHIM_H
#define TTHC_CRABBITMQ_SHIM_H
// rabbitmq-c moved its headers to <rabbitmq-c/...> in 0.12; Debian 12 ships 0.11.
#if __has_include(<rabbitmq-c/amqp.h>)
#include <rabbitmq-c/amqp.h>
#include <rabbitmq-c/tcp_socket.h>
#include <rabbitmq-c/ssl_socket.h>
#include <rabbitmq-c/framing.h>
#else
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <amqp_ssl_socket.h>
#include <amqp_framing.h>
#endif
#include <sys/time.h>

// amqp_login is variadic, which Swift cannot call: wrap the plain-password form.
static inline amqp_rpc_reply_t tthc_amqp_login_plain(amqp_connection_state_t state, const char *vhost,
                                                    int channel_max, int frame_max, int heartbeat,
                                                    const char *user, const char *password) {
    return amqp_login(state, vhost, channel_max, frame_max, heartbeat, AMQP_SASL_METHOD_PLAIN, user, password);
}

// amqp_cstring_bytes is fine from Swift, but bytes from a buffer+length needs a helper.
static inline amqp_bytes_t tthc_amqp_bytes(const void *bytes, size_t len) {
    amqp_bytes_t b; b.len = len; b.bytes = (void *)bytes; return b;
}
#endif
