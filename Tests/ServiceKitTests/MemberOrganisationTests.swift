import Contracts
import Foundation
import Persistence
import ServiceKit
import TestSupport
import XCTest

/// The member-organisation replica payment and archive keep (DOMAIN §12(1): the dues obligation
/// and the data store follow an official transfer), on a scratch schema of the real PostgreSQL.
final class MemberOrganisationTests: XCTestCase {
    var db: PostgresConnection!

    override func setUpWithError() throws {
        db = try TestEnvironment.superuser()
        try db.executeScript("DROP SCHEMA IF EXISTS memberorgtest CASCADE; CREATE SCHEMA memberorgtest; SET search_path TO memberorgtest")
        for migration in SharedTable.memberOrganisations.migrations { try db.executeScript(migration.sql) }
    }

    override func tearDown() {
        _ = try? db?.execute("DROP SCHEMA IF EXISTS memberorgtest CASCADE")
        db?.close()
    }

    func moves() throws -> String? {
        try db.execute("""
            SELECT string_agg(coalesce(from_organisation_code, '-') || '>' || to_organisation_code || ':' || cause, ' ' ORDER BY id) AS m
            FROM member_organisation_moves WHERE member_id = 'DV1'
            """).first?.optionalString("m")
    }

    func record(_ organisation: String, revision: Int) -> MemberRecord {
        var member = TestEnvironment.members(1, organisation: organisation)[0]
        member.memberId = "DV1"
        member.revision = revision
        return member
    }

    func transfer(_ from: String, _ to: String, kind: MemberTransferredV1.Kind = .official, dossier: String = "HS1") -> MemberTransferredV1 {
        MemberTransferredV1(memberId: "DV1", dossierCode: dossier, kind: kind, fromOrganisationCode: from, toOrganisationCode: to,
                            until: kind == .temporary ? "2027-02-28" : nil, transferredAt: Date())
    }

    func testTheRegistryInRevisionOrderAndOfficialTransfersFromWhereTheMemberIsMoveTheMember() throws {
        try MemberOrganisationHandler.apply(registry: [record("A", revision: 1)], at: Date(), db: db)
        try MemberOrganisationHandler.apply(registry: [record("C", revision: 2), record("B", revision: 3)], at: Date(), db: db)
        XCTAssertEqual(try moves(), "->A:registry A>B:registry", "the newest revision of a batch, once")
        try MemberOrganisationHandler.apply(registry: [record("C", revision: 2)], at: Date(), db: db)
        XCTAssertEqual(try MemberOrganisationHandler.organisation(of: "DV1", db: db), "B", "an older revision never overwrites")

        try MemberOrganisationHandler.apply(transfer: transfer("B", "D"), db: db)
        try MemberOrganisationHandler.apply(transfer: transfer("B", "D"), db: db)
        XCTAssertEqual(try moves(), "->A:registry A>B:registry B>D:HS1", "a transfer delivered twice moves once")
        try MemberOrganisationHandler.apply(transfer: transfer("A", "E", dossier: "HS0"), db: db)
        try MemberOrganisationHandler.apply(transfer: transfer("D", "T", kind: .temporary, dossier: "HS2"), db: db)
        XCTAssertEqual(try MemberOrganisationHandler.organisation(of: "DV1", db: db), "D",
                       "a stale transfer and a temporary one leave the member where they are")

        // The registry catching up with the transfer is no move.
        try MemberOrganisationHandler.apply(registry: [record("D", revision: 4)], at: Date(), db: db)
        XCTAssertEqual(try moves(), "->A:registry A>B:registry B>D:HS1")
        // A member the replica did not know yet is placed by the transfer itself.
        try MemberOrganisationHandler.apply(transfer: MemberTransferredV1(
            memberId: "DV2", dossierCode: "HS3", kind: .official, fromOrganisationCode: "X", toOrganisationCode: "Y", until: nil,
            transferredAt: Date()), db: db)
        XCTAssertEqual(try MemberOrganisationHandler.organisation(of: "DV2", db: db), "Y")
    }
}
