#!/usr/bin/env python3
"""Submit one dossier to TTHC over AMQP and print the receipt.

Uses only pika (pip install pika). Connection settings from the environment:
  TTHC_AMQP_HOST (127.0.0.1), TTHC_AMQP_PORT (5672), TTHC_INTEGRATOR (portal-demo),
  TTHC_INTEGRATOR_PASSWORD (same as the user in development), TTHC_ORGANISATION (HN.CB0101).
Exit code 0 with the receipt on stdout, 1 with the rejection or error on stderr.
"""
import base64
import hashlib
import json
import os
import sys
import uuid
from datetime import datetime, timezone

import pika

user = os.environ.get("TTHC_INTEGRATOR", "portal-demo")
params = pika.ConnectionParameters(
    host=os.environ.get("TTHC_AMQP_HOST", "127.0.0.1"),
    port=int(os.environ.get("TTHC_AMQP_PORT", "5672")),
    virtual_host="tthc",
    credentials=pika.PlainCredentials(user, os.environ.get("TTHC_INTEGRATOR_PASSWORD", user)),
)
connection = pika.BlockingConnection(params)
channel = connection.channel()
channel.confirm_delivery()  # the broker confirms it stored the message

message_id = str(uuid.uuid4())
def component(code, file_name, content, signature=None):
    """A dossier component: declared by size and SHA-256, with its bytes; `signature` is the
    detached CMS signature (DER bytes) made by the member's signing tool, when required."""
    entry = {"componentCode": code, "fileName": file_name, "mediaType": "application/pdf",
             "sizeBytes": len(content), "sha256": hashlib.sha256(content).hexdigest(),
             "contentBase64": base64.b64encode(content).decode()}
    if signature is not None or code in ("DDN", "BTKD"):
        sig = signature or b"placeholder: sign with the member's certificate"
        entry["signature"] = {"fileName": file_name + ".p7s", "mediaType": "application/pkcs7-signature",
                              "sizeBytes": len(sig), "sha256": hashlib.sha256(sig).hexdigest(),
                              "contentBase64": base64.b64encode(sig).decode()}
    return entry


# Detached signatures by component code, e.g. read from files your signing tool wrote.
SIGNATURES = {}

envelope = {
    "specversion": "1.0",
    "id": message_id,
    "source": f"urn:integrator:{user}",
    "type": "vn.dang.tthc.dossier.submit.v1",
    "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    "datacontenttype": "application/json",
    "data": {
        # Your own id of this submission: sending it again returns the same dossier code.
        "clientSubmissionId": os.environ.get("TTHC_CLIENT_SUBMISSION_ID", f"example-{message_id}"),
        "procedureCode": "CSHD.CHINHTHUC",
        "receivingOrganisationCode": os.environ.get("TTHC_ORGANISATION", "HN.CB0101"),
        "submitter": {"memberId": "DV0000001", "fullName": "Nguyễn Văn An", "citizenId": "001085012345"},
        # The current form of the procedure (catalog: Shared/Contracts/Catalog/CSHD.CHINHTHUC.v1.json).
        # Fields the member registry knows (hoTen, ngaySinh, soTheDangVien, chiBoHienTai) may be left
        # out: validation fills them in ("ask only once") and checks any you send against the registry.
        "formVersion": "2026.1",
        "form": {"lyDo": "Chuyển công tác theo quyết định số 123/QĐ-UBND", "noiDen": "Đảng bộ phường Ba Đình", "chiBoNoiDen": "HN.CB0002",
                 "ngayQuyetDinh": datetime.now(timezone.utc).strftime("%Y-%m-%d")},
        # Every required component, declared by type, size and SHA-256. Components the procedure
        # requires signed also carry their bytes and the detached CMS signature (base64), so that
        # validation can verify the signature (Đ.14.2); see docs/integrators.md.
        "attachments": [
            component("DDN", "don-de-nghi.pdf", b"%PDF-1.4\n% Don de nghi chuyen sinh hoat dang\n%%EOF\n", SIGNATURES.get("DDN")),
            component("BTKD", "ban-tu-kiem-diem.pdf", b"%PDF-1.4\n% Ban tu kiem diem\n%%EOF\n", SIGNATURES.get("BTKD")),
            component("QD", "quyet-dinh.pdf", b"%PDF-1.4\n% Quyet dinh dieu dong\n%%EOF\n"),
        ],
    },
}

# Direct reply-to: the answer comes back on this channel without declaring a queue.
receipt = {}


def on_reply(ch, method, properties, body):
    receipt["type"] = properties.type
    receipt["body"] = json.loads(body)
    ch.stop_consuming()


channel.basic_consume(queue="amq.rabbitmq.reply-to", on_message_callback=on_reply, auto_ack=True)
channel.basic_publish(
    exchange="tthc.intake",
    routing_key="dossier.submit.v1",
    body=json.dumps(envelope).encode(),
    properties=pika.BasicProperties(
        content_type="application/cloudevents+json",
        delivery_mode=2,               # persistent
        message_id=message_id,
        type=envelope["type"],
        user_id=user,                  # RabbitMQ checks it is the connected user
        reply_to="amq.rabbitmq.reply-to",
        correlation_id=message_id,
    ),
    mandatory=True,
)
connection.call_later(30, channel.stop_consuming)  # do not wait forever
channel.start_consuming()
connection.close()

if receipt.get("type") == "vn.dang.tthc.dossier.received.v1":
    data = receipt["body"]["data"]
    print(f"Mã hồ sơ: {data['dossierCode']}")
    print(f"Thời điểm tiếp nhận chính thức: {data['officialReceiptAt']}")
    sys.exit(0)
print(json.dumps(receipt.get("body", {"error": "no answer within 30 s"}), ensure_ascii=False), file=sys.stderr)
sys.exit(1)
