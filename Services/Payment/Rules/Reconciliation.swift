import Foundation

/// Reconciliation (đối soát) of one day's bookings with the payment platform's statement file.
public enum Reconciliation {
    /// One paid transaction as the platform's statement lists it.
    public struct StatementLine: Sendable, Equatable {
        public let reference: String
        public let transactionNumber: String
        public let amountVND: Int
        public let responseCode: String

        public init(reference: String, transactionNumber: String, amountVND: Int, responseCode: String) {
            self.reference = reference
            self.transactionNumber = transactionNumber
            self.amountVND = amountVND
            self.responseCode = responseCode
        }
    }

    public struct Mismatch: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable {
            /// The platform took the money, payment booked nothing (a callback lost): query and book it.
            case notBooked = "not-booked"
            /// Booked that day, absent from the platform's statement.
            case notInStatement = "not-in-statement"
            /// Both have it, with different amounts.
            case amountDiffers = "amount-differs"
        }

        public let kind: Kind
        public let reference: String
        public let statementVND: Int?
        public let bookedVND: Int?
    }

    /// `statement`: the day's lines; `booked`: what payment booked that day, by reference;
    /// `bookedOtherDays`: amounts booked on other days for the statement's references (a callback
    /// that came after midnight is not a mismatch).
    public static func compare(statement: [StatementLine], booked: [String: Int], bookedOtherDays: [String: Int]) -> [Mismatch] {
        var mismatches: [Mismatch] = []
        let paid = statement.filter { $0.responseCode == "00" }
        for line in paid {
            guard let amount = booked[line.reference] ?? bookedOtherDays[line.reference] else {
                mismatches.append(Mismatch(kind: .notBooked, reference: line.reference, statementVND: line.amountVND, bookedVND: nil))
                continue
            }
            if amount != line.amountVND {
                mismatches.append(Mismatch(kind: .amountDiffers, reference: line.reference, statementVND: line.amountVND, bookedVND: amount))
            }
        }
        let listed = Set(paid.map(\.reference))
        for (reference, amount) in booked.sorted(by: { $0.key < $1.key }) where !listed.contains(reference) {
            mismatches.append(Mismatch(kind: .notInStatement, reference: reference, statementVND: nil, bookedVND: amount))
        }
        return mismatches
    }
}
