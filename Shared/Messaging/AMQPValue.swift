import CRabbitMQ
import Foundation

/// A value in an AMQP field table (message headers, queue arguments).
public enum AMQPValue: Sendable, Equatable, Hashable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case table([String: AMQPValue])
    case array([AMQPValue])

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var intValue: Int64? {
        if case .int(let i) = self { return i }
        return nil
    }
}

/// Memory for C structures handed to rabbitmq-c during one call; freed together afterwards.
final class CArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    deinit { allocations.forEach { free($0) } }

    func bytes(_ string: String) -> amqp_bytes_t { bytes(Array(string.utf8)) }

    func bytes(_ array: [UInt8]) -> amqp_bytes_t {
        let count = array.count
        let pointer = malloc(max(count, 1))!
        allocations.append(pointer)
        array.withUnsafeBytes { source in
            if count > 0 { pointer.copyMemory(from: source.baseAddress!, byteCount: count) }
        }
        return tthc_amqp_bytes(pointer, count)
    }

    func table(_ entries: [String: AMQPValue]) -> amqp_table_t {
        var table = amqp_table_t()
        guard !entries.isEmpty else { return table }
        let pointer = UnsafeMutablePointer<amqp_table_entry_t>.allocate(capacity: entries.count)
        allocations.append(UnsafeMutableRawPointer(pointer))
        for (i, (key, value)) in entries.sorted(by: { $0.key < $1.key }).enumerated() {
            var entry = amqp_table_entry_t()
            entry.key = bytes(key)
            entry.value = field(value)
            (pointer + i).initialize(to: entry)
        }
        table.num_entries = Int32(entries.count)
        table.entries = pointer
        return table
    }

    func field(_ value: AMQPValue) -> amqp_field_value_t {
        var field = amqp_field_value_t()
        switch value {
        case .string(let s):
            field.kind = UInt8(ascii: "S")
            field.value.bytes = bytes(s)
        case .int(let i):
            field.kind = UInt8(ascii: "l")
            field.value.i64 = i
        case .bool(let b):
            field.kind = UInt8(ascii: "t")
            field.value.boolean = b ? 1 : 0
        case .table(let t):
            field.kind = UInt8(ascii: "F")
            field.value.table = table(t)
        case .array(let values):
            field.kind = UInt8(ascii: "A")
            let pointer = UnsafeMutablePointer<amqp_field_value_t>.allocate(capacity: max(values.count, 1))
            allocations.append(UnsafeMutableRawPointer(pointer))
            for (i, v) in values.enumerated() { (pointer + i).initialize(to: self.field(v)) }
            field.value.array = amqp_array_t(num_entries: Int32(values.count), entries: pointer)
        }
        return field
    }
}

extension amqp_bytes_t {
    var bytesArray: [UInt8] {
        guard len > 0, let bytes else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: len))
    }

    var string: String { String(decoding: bytesArray, as: UTF8.self) }
}

func readTable(_ table: amqp_table_t) -> [String: AMQPValue] {
    var result: [String: AMQPValue] = [:]
    guard table.num_entries > 0, let entries = table.entries else { return result }
    for i in 0..<Int(table.num_entries) {
        let entry = entries[i]
        if let value = readField(entry.value) { result[entry.key.string] = value }
    }
    return result
}

func readField(_ field: amqp_field_value_t) -> AMQPValue? {
    switch field.kind {
    case UInt8(ascii: "S"), UInt8(ascii: "x"): return .string(field.value.bytes.string)
    case UInt8(ascii: "l"): return .int(field.value.i64)
    case UInt8(ascii: "L"), UInt8(ascii: "T"): return .int(Int64(truncatingIfNeeded: field.value.u64))
    case UInt8(ascii: "I"): return .int(Int64(field.value.i32))
    case UInt8(ascii: "i"): return .int(Int64(field.value.u32))
    case UInt8(ascii: "s"): return .int(Int64(field.value.i16))
    case UInt8(ascii: "u"): return .int(Int64(field.value.u16))
    case UInt8(ascii: "b"): return .int(Int64(field.value.i8))
    case UInt8(ascii: "B"): return .int(Int64(field.value.u8))
    case UInt8(ascii: "t"): return .bool(field.value.boolean != 0)
    case UInt8(ascii: "F"): return .table(readTable(field.value.table))
    case UInt8(ascii: "A"):
        let array = field.value.array
        guard array.num_entries > 0, let entries = array.entries else { return .array([]) }
        return .array((0..<Int(array.num_entries)).compactMap { readField(entries[$0]) })
    default: return nil
    }
}
