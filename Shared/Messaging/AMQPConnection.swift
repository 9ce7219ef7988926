import CRabbitMQ
import Foundation

// Method ids from amqp_framing.h (macros with casts are not imported into Swift).
private let methodBasicAck: UInt32 = 0x003C_0050
private let methodBasicNack: UInt32 = 0x003C_0078
private let methodBasicReturn: UInt32 = 0x003C_0032
private let methodChannelClose: UInt32 = 0x0014_0028
private let methodConnectionClose: UInt32 = 0x000A_0032
private let methodBasicCancel: UInt32 = 0x003C_001E
private let methodBasicDeliver: UInt32 = 0x003C_003C

/// One AMQP connection with one channel, on rabbitmq-c. Not thread-safe and not Sendable:
/// it lives on the thread that created it. rabbitmq-c answers heartbeats only while inside
/// its calls, so owners must call into it (e.g. `poll()`) at least every few seconds.
public final class AMQPConnection {
    private let state: amqp_connection_state_t
    private let channel: amqp_channel_t = 1
    public let url: AMQPURL
    private var confirmsEnabled = false
    private var nextPublishSequence: UInt64 = 1
    private var confirmedUpTo: UInt64 = 0
    private var nackedTags: [UInt64] = []
    /// Deliveries read while waiting for something else (heartbeats, confirms): handed out by
    /// `nextDelivery` in order, never dropped — a dropped delivery would later be covered by a
    /// multiple ack without having been handled.
    private var buffered: [Delivery] = []
    private var closed = false

    /// Connects, logs in and opens channel 1. `heartbeat` is in seconds.
    public init(url: AMQPURL, heartbeat: Int = 30, connectionName: String = "tthc") throws {
        self.url = url
        guard let state = amqp_new_connection() else { throw AMQPError.connectionFailed("out of memory") }
        self.state = state
        do {
            let socket: OpaquePointer?
            if url.tls {
                socket = amqp_ssl_socket_new(state)
                if let socket, let ca = url.caCertificatePath {
                    guard amqp_ssl_socket_set_cacert(socket, ca) == AMQP_STATUS_OK.rawValue else {
                        throw AMQPError.connectionFailed("cannot read CA certificate \(ca)")
                    }
                }
                if let socket {
                    amqp_ssl_socket_set_verify_peer(socket, 1)
                    amqp_ssl_socket_set_verify_hostname(socket, 1)
                }
            } else {
                socket = amqp_tcp_socket_new(state)
            }
            guard let socket else { throw AMQPError.connectionFailed("cannot create socket") }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            let status = amqp_socket_open_noblock(socket, url.host, Int32(url.port), &timeout)
            guard status == AMQP_STATUS_OK.rawValue else {
                throw AMQPError.connectionFailed("cannot reach \(url.host):\(url.port): \(String(cString: amqp_error_string2(status)))")
            }
            try check(tthc_amqp_login_plain(state, url.vhost, 0, 131_072, Int32(heartbeat), url.user, url.password),
                      "login as \(url.user) to vhost \(url.vhost)")
            amqp_channel_open(state, channel)
            try check(amqp_get_rpc_reply(state), "open channel")
        } catch {
            amqp_destroy_connection(state)
            closed = true
            throw error
        }
    }

    deinit {
        if !closed {
            // Closing politely can block on a dead socket; destroy frees it either way.
            amqp_destroy_connection(state)
        }
    }

    /// Closes channel and connection politely, then frees them.
    public func close() {
        guard !closed else { return }
        closed = true
        _ = amqp_channel_close(state, channel, Int32(AMQP_REPLY_SUCCESS))
        _ = amqp_connection_close(state, Int32(AMQP_REPLY_SUCCESS))
        amqp_destroy_connection(state)
    }

    // MARK: Topology

    public func declareExchange(_ name: String, type: String, durable: Bool = true) throws {
        let arena = CArena()
        amqp_exchange_declare(state, channel, arena.bytes(name), arena.bytes(type), 0, durable ? 1 : 0, 0, 0,
                              amqp_empty_table)
        try check(amqp_get_rpc_reply(state), "declare exchange \(name)")
    }

    /// Checks that an exchange exists (passive declare: needs no configure permission).
    public func checkExchange(_ name: String) throws {
        let arena = CArena()
        amqp_exchange_declare(state, channel, arena.bytes(name), arena.bytes("topic"), 1, 0, 0, 0, amqp_empty_table)
        try check(amqp_get_rpc_reply(state), "find exchange \(name) (declared by the broker's definitions)")
    }

    /// Declares a durable queue; returns its message count. An empty name asks the broker for a
    /// server-named exclusive queue (returned in `name`).
    @discardableResult
    public func declareQueue(_ name: String, durable: Bool = true, exclusive: Bool = false, autoDelete: Bool = false,
                             arguments: [String: AMQPValue] = [:]) throws -> (name: String, messageCount: Int) {
        let arena = CArena()
        let ok = amqp_queue_declare(state, channel, arena.bytes(name), 0, durable ? 1 : 0, exclusive ? 1 : 0,
                                    autoDelete ? 1 : 0, arena.table(arguments))
        try check(amqp_get_rpc_reply(state), "declare queue \(name)")
        guard let ok else { throw AMQPError.connectionFailed("no queue.declare-ok") }
        return (ok.pointee.queue.string, Int(ok.pointee.message_count))
    }

    /// The number of ready messages in a queue (passive declare).
    public func messageCount(queue: String) throws -> Int {
        let arena = CArena()
        let ok = amqp_queue_declare(state, channel, arena.bytes(queue), 1, 0, 0, 0, amqp_empty_table)
        try check(amqp_get_rpc_reply(state), "inspect queue \(queue)")
        return Int(ok?.pointee.message_count ?? 0)
    }

    public func bindQueue(_ queue: String, exchange: String, routingKey: String) throws {
        let arena = CArena()
        amqp_queue_bind(state, channel, arena.bytes(queue), arena.bytes(exchange), arena.bytes(routingKey),
                        amqp_empty_table)
        try check(amqp_get_rpc_reply(state), "bind \(queue) to \(exchange) with \(routingKey)")
    }

    /// Removes a binding; removing one that does not exist is not an error.
    public func unbindQueue(_ queue: String, exchange: String, routingKey: String) throws {
        let arena = CArena()
        amqp_queue_unbind(state, channel, arena.bytes(queue), arena.bytes(exchange), arena.bytes(routingKey),
                          amqp_empty_table)
        try check(amqp_get_rpc_reply(state), "unbind \(queue) from \(exchange) with \(routingKey)")
    }

    public func deleteExchange(_ name: String) throws {
        let arena = CArena()
        amqp_exchange_delete(state, channel, arena.bytes(name), 0)
        try check(amqp_get_rpc_reply(state), "delete exchange \(name)")
    }

    public func purgeQueue(_ queue: String) throws {
        let arena = CArena()
        amqp_queue_purge(state, channel, arena.bytes(queue))
        try check(amqp_get_rpc_reply(state), "purge \(queue)")
    }

    public func deleteQueue(_ queue: String) throws {
        let arena = CArena()
        amqp_queue_delete(state, channel, arena.bytes(queue), 0, 0)
        try check(amqp_get_rpc_reply(state), "delete \(queue)")
    }

    // MARK: Publishing

    /// Puts the channel in confirm mode: every publish gets a sequence number, acknowledged later.
    public func enableConfirms() throws {
        amqp_confirm_select(state, channel)
        try check(amqp_get_rpc_reply(state), "confirm.select")
        confirmsEnabled = true
    }

    /// Publishes one message; returns its confirm sequence number (0 without confirms).
    @discardableResult
    public func publish(exchange: String, routingKey: String, body: [UInt8],
                        properties: MessageProperties = MessageProperties()) throws -> UInt64 {
        let arena = CArena()
        var props = amqp_basic_properties_t()
        var flags: UInt32 = 0
        func set(_ value: String?, _ flag: Int32, _ assign: (amqp_bytes_t) -> Void) {
            guard let value else { return }
            assign(arena.bytes(value))
            flags |= UInt32(flag)
        }
        set(properties.messageId, 1 << 7) { props.message_id = $0 }
        set(properties.type, 1 << 5) { props.type = $0 }
        set(properties.contentType, 1 << 15) { props.content_type = $0 }
        set(properties.appId, 1 << 3) { props.app_id = $0 }
        set(properties.userId, 1 << 4) { props.user_id = $0 }
        set(properties.correlationId, 1 << 10) { props.correlation_id = $0 }
        set(properties.replyTo, 1 << 9) { props.reply_to = $0 }
        if let timestamp = properties.timestamp {
            props.timestamp = UInt64(max(0, timestamp.timeIntervalSince1970))
            flags |= 1 << 6
        }
        props.delivery_mode = properties.persistent ? 2 : 1
        flags |= 1 << 12
        if !properties.headers.isEmpty {
            props.headers = arena.table(properties.headers)
            flags |= 1 << 13
        }
        props._flags = flags
        let status = body.withUnsafeBytes { raw in
            amqp_basic_publish(state, channel, arena.bytes(exchange), arena.bytes(routingKey), 0, 0, &props,
                               tthc_amqp_bytes(raw.baseAddress, raw.count))
        }
        guard status == AMQP_STATUS_OK.rawValue else {
            throw AMQPError.connectionFailed("publish: \(String(cString: amqp_error_string2(status)))")
        }
        guard confirmsEnabled else { return 0 }
        defer { nextPublishSequence += 1 }
        return nextPublishSequence
    }

    /// Waits until the broker confirmed every message published so far. Throws `nacked` if any
    /// was refused, `closedByBroker` if the channel was closed (e.g. 403 on a forbidden exchange).
    public func waitForConfirms(timeout: TimeInterval = 30) throws {
        let target = nextPublishSequence - 1
        let deadline = Date().addingTimeInterval(timeout)
        while confirmedUpTo < target {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw AMQPError.timeout("waiting for publisher confirms") }
            guard let frame = try nextFrame(timeout: min(remaining, 1)) else { continue }
            try handleAsyncFrame(frame)
        }
        if let nacked = nackedTags.first {
            nackedTags.removeAll()
            throw AMQPError.nacked(nacked)
        }
    }

    private func handleAsyncFrame(_ frame: amqp_frame_t) throws {
        guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { return }
        let method = frame.payload.method
        switch method.id {
        case methodBasicAck:
            let ack = method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            confirmedUpTo = max(confirmedUpTo, ack.delivery_tag)
        case methodBasicNack:
            let nack = method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            nackedTags.append(nack.delivery_tag)
            confirmedUpTo = max(confirmedUpTo, nack.delivery_tag)
        case methodChannelClose:
            let close = method.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            throw AMQPError.closedByBroker(code: Int(close.reply_code), text: close.reply_text.string)
        case methodConnectionClose:
            let close = method.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            throw AMQPError.closedByBroker(code: Int(close.reply_code), text: close.reply_text.string)
        case methodBasicCancel:
            throw AMQPError.closedByBroker(code: 0, text: "consumer cancelled by broker (queue deleted?)")
        case methodBasicDeliver:
            let deliver = method.decoded.assumingMemoryBound(to: amqp_basic_deliver_t.self).pointee
            let (tag, redelivered) = (deliver.delivery_tag, deliver.redelivered != 0)
            let (exchange, routingKey) = (deliver.exchange.string, deliver.routing_key.string)
            var message = amqp_message_t()
            try check(amqp_read_message(state, frame.channel, &message, 0), "read delivered message")
            defer { amqp_destroy_message(&message) }
            buffered.append(Delivery(deliveryTag: tag, redelivered: redelivered, exchange: exchange, routingKey: routingKey,
                                     properties: readProperties(message.properties), body: message.body.bytesArray))
        default:
            return
        }
    }

    /// Reads one frame within `timeout`, or nil. Serves heartbeats while it waits.
    private func nextFrame(timeout: TimeInterval) throws -> amqp_frame_t? {
        var frame = amqp_frame_t()
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        let status = amqp_simple_wait_frame_noblock(state, &frame, &tv)
        if status == AMQP_STATUS_TIMEOUT.rawValue { return nil }
        guard status == AMQP_STATUS_OK.rawValue else {
            throw AMQPError.connectionFailed(String(cString: amqp_error_string2(status)))
        }
        return frame
    }

    /// Lets rabbitmq-c serve heartbeats and notices a closed connection while the owner is busy
    /// or idle. A delivery that arrives meanwhile is kept for `nextDelivery`.
    public func poll(timeout: TimeInterval = 0) throws {
        if let frame = try nextFrame(timeout: timeout) { try handleAsyncFrame(frame) }
        amqp_maybe_release_buffers(state)
    }

    // MARK: Consuming

    public func setPrefetch(_ count: Int) throws {
        amqp_basic_qos(state, channel, 0, UInt16(clamping: count), 0)
        try check(amqp_get_rpc_reply(state), "basic.qos")
    }

    /// Starts a manual-ack consumer on `queue`.
    public func consume(queue: String, consumerTag: String = "") throws {
        let arena = CArena()
        amqp_basic_consume(state, channel, arena.bytes(queue), arena.bytes(consumerTag), 0, 0, 0, amqp_empty_table)
        try check(amqp_get_rpc_reply(state), "consume \(queue)")
    }

    /// The next delivery within `timeout` seconds, or nil. Zero timeout returns at once.
    public func nextDelivery(timeout: TimeInterval) throws -> Delivery? {
        if !buffered.isEmpty { return buffered.removeFirst() }
        amqp_maybe_release_buffers(state)
        var envelope = amqp_envelope_t()
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        let reply = amqp_consume_message(state, &envelope, &tv, 0)
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            defer { amqp_destroy_envelope(&envelope) }
            return Delivery(deliveryTag: envelope.delivery_tag, redelivered: envelope.redelivered != 0,
                            exchange: envelope.exchange.string, routingKey: envelope.routing_key.string,
                            properties: readProperties(envelope.message.properties),
                            body: envelope.message.body.bytesArray)
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            if reply.library_error == AMQP_STATUS_TIMEOUT.rawValue { return nil }
            if reply.library_error == AMQP_STATUS_UNEXPECTED_STATE.rawValue {
                // A frame other than a delivery (a close, a cancel): read it and react.
                if let frame = try nextFrame(timeout: 0) { try handleAsyncFrame(frame) }
                return buffered.isEmpty ? nil : buffered.removeFirst()
            }
            throw AMQPError.connectionFailed(String(cString: amqp_error_string2(reply.library_error)))
        default:
            try check(reply, "consume")
            return nil
        }
    }

    /// Fetches one message without a consumer (`basic.get`), or nil when the queue is empty.
    public func get(queue: String) throws -> Delivery? {
        let arena = CArena()
        let reply = amqp_basic_get(state, channel, arena.bytes(queue), 0)
        try check(reply, "get from \(queue)")
        guard reply.reply.id == 0x003C_0047 else { return nil }  // basic.get-ok; else get-empty
        let ok = reply.reply.decoded.assumingMemoryBound(to: amqp_basic_get_ok_t.self).pointee
        var message = amqp_message_t()
        try check(amqp_read_message(state, channel, &message, 0), "read message")
        defer { amqp_destroy_message(&message) }
        return Delivery(deliveryTag: ok.delivery_tag, redelivered: ok.redelivered != 0, exchange: ok.exchange.string,
                        routingKey: ok.routing_key.string, properties: readProperties(message.properties),
                        body: message.body.bytesArray)
    }

    public func ack(_ deliveryTag: UInt64, multiple: Bool = false) throws {
        let status = amqp_basic_ack(state, channel, deliveryTag, multiple ? 1 : 0)
        guard status == AMQP_STATUS_OK.rawValue else {
            throw AMQPError.connectionFailed("ack: \(String(cString: amqp_error_string2(status)))")
        }
    }

    /// Rejects a delivery; with `requeue` it returns to the queue (a quorum queue counts the
    /// delivery and dead-letters the message past its delivery limit).
    public func reject(_ deliveryTag: UInt64, requeue: Bool) throws {
        let status = amqp_basic_reject(state, channel, deliveryTag, requeue ? 1 : 0)
        guard status == AMQP_STATUS_OK.rawValue else {
            throw AMQPError.connectionFailed("reject: \(String(cString: amqp_error_string2(status)))")
        }
    }

    // MARK: Helpers

    private func readProperties(_ p: amqp_basic_properties_t) -> MessageProperties {
        func get(_ flag: Int32, _ bytes: amqp_bytes_t) -> String? {
            p._flags & UInt32(flag) != 0 ? bytes.string : nil
        }
        return MessageProperties(
            messageId: get(1 << 7, p.message_id), type: get(1 << 5, p.type),
            contentType: get(1 << 15, p.content_type), appId: get(1 << 3, p.app_id),
            userId: get(1 << 4, p.user_id), correlationId: get(1 << 10, p.correlation_id),
            replyTo: get(1 << 9, p.reply_to),
            timestamp: p._flags & UInt32(1 << 6) != 0 ? Date(timeIntervalSince1970: Double(p.timestamp)) : nil,
            persistent: p.delivery_mode == 2,
            headers: p._flags & UInt32(1 << 13) != 0 ? readTable(p.headers) : [:])
    }

    private func check(_ reply: amqp_rpc_reply_t, _ what: String) throws {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_NONE:
            throw AMQPError.connectionFailed("\(what): missing RPC reply")
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            throw AMQPError.connectionFailed("\(what): \(String(cString: amqp_error_string2(reply.library_error)))")
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            if reply.reply.id == methodConnectionClose {
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                throw AMQPError.closedByBroker(code: Int(close.reply_code), text: "\(what): \(close.reply_text.string)")
            }
            if reply.reply.id == methodChannelClose {
                let close = reply.reply.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                throw AMQPError.closedByBroker(code: Int(close.reply_code), text: "\(what): \(close.reply_text.string)")
            }
            throw AMQPError.closedByBroker(code: 0, text: "\(what): unexpected server method \(reply.reply.id)")
        default:
            throw AMQPError.connectionFailed("\(what): unknown reply")
        }
    }
}
