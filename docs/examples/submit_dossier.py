#!/usr/bin/env python3
"""Submit one dossier to TTHC over AMQP and follow it to its result.

Uses pika and the CloudEvents SDK (pip install pika cloudevents) and the openssl command line
for the member's signatures. In the development world (Deploy/local/run.sh):

    tthc-admin certificates issue --member DV0000001 --out dev-certificates
    python3 docs/examples/submit_dossier.py

Settings from the environment: TTHC_AMQP_HOST (127.0.0.1), TTHC_AMQP_PORT (5672),
TTHC_INTEGRATOR (portal-demo), TTHC_INTEGRATOR_PASSWORD (same as the user in development),
TTHC_CERTIFICATES (dev-certificates: <member>.cert.pem and <member>.key.pem),
TTHC_FOLLOW_SECONDS (120). `--print` writes the CloudEvent to stdout instead of publishing it.

`--v2` uploads each component to archive first (an upload ticket from intake's HTTP edge,
TTHC_INTAKE_URL (http://127.0.0.1:8081) with TTHC_INTEGRATOR_TOKEN (portal-demo-token); the bytes,
then the member's signature, PUT to archive) and submits dossier.submit.v2 with references only.

Exit code 0 once the result is issued; 2 when a supplement is requested or the dossier is refused
(every problem printed); 1 on a rejection or an error.
"""
import base64
import hashlib
import json
import os
import subprocess
import sys
import urllib.request
import uuid
from datetime import date, datetime, timedelta, timezone

import pika
from cloudevents.core.bindings.rabbitmq import to_structured
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

# A member of the development registry (docs/integrators.md, "The development world").
MEMBER = {"memberId": "DV0000001", "fullName": "Trần Văn An", "citizenId": "001151000001"}
CELL, DESTINATION = "HN.CB0001", "HN.CB0002"

user = os.environ.get("TTHC_INTEGRATOR", "portal-demo")
version = 2 if "--v2" in sys.argv else 1
certificates = os.environ.get("TTHC_CERTIFICATES", "dev-certificates")


def sign(content):
    """The member's detached CMS signature (DER) over the bytes, as their signing tool makes it."""
    base = os.path.join(certificates, MEMBER["memberId"])
    return subprocess.run(
        ["openssl", "cms", "-sign", "-binary", "-outform", "DER",
         "-signer", base + ".cert.pem", "-inkey", base + ".key.pem"],
        input=content, capture_output=True, check=True).stdout


def declared(name, content, media_type):
    return {"fileName": name, "mediaType": media_type, "sizeBytes": len(content),
            "sha256": hashlib.sha256(content).hexdigest()}


def http(method, url, body, headers):
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def uploaded(code, file_name, content, signed):
    """dossier.submit.v2: the component uploaded once to archive with intake's ticket (and, signed,
    its detached signature beside it, which archive verifies), then referenced by its documentId."""
    intake = os.environ.get("TTHC_INTAKE_URL", "http://127.0.0.1:8081")
    ticket = http("POST", f"{intake}/v1/documents/upload-tickets",
                  json.dumps({"procedureCode": "CSHD.CHINHTHUC", "componentCode": code,
                              "memberId": MEMBER["memberId"]}).encode(),
                  {"Content-Type": "application/json",
                   "Authorization": "Bearer " + os.environ.get("TTHC_INTEGRATOR_TOKEN", f"{user}-token")})
    upload = {"Authorization": "Bearer " + ticket["ticket"]}
    http("PUT", ticket["uploadURL"], content, {**upload, "Content-Type": "application/pdf"})
    if signed:
        http("PUT", ticket["uploadURL"] + "/signature", sign(content), {**upload, "Content-Type": "application/pkcs7-signature"})
    return {"componentCode": code, "documentId": ticket["documentId"], **declared(file_name, content, "application/pdf")}


def component(code, file_name, content, signed):
    """v1: a component declared by size and SHA-256; a signed one also carries its bytes and the
    detached signature (base64) so that TTHC can verify it (Đ.14.2). v2: uploaded, referenced."""
    if version == 2:
        return uploaded(code, file_name, content, signed)
    entry = {"componentCode": code, **declared(file_name, content, "application/pdf")}
    if signed:
        signature = sign(content)
        entry["contentBase64"] = base64.b64encode(content).decode()
        entry["signature"] = {**declared(file_name + ".p7s", signature, "application/pkcs7-signature"),
                              "contentBase64": base64.b64encode(signature).decode()}
    return entry


decided_on = (date.today() - timedelta(days=3)).isoformat()
data = {
    # Your own id of this submission: sending it again returns the same dossier.
    "clientSubmissionId": os.environ.get("TTHC_CLIENT_SUBMISSION_ID", f"example-{uuid.uuid4()}"),
    "procedureCode": "CSHD.CHINHTHUC",
    "receivingOrganisationCode": CELL,
    "submitter": MEMBER,
    # The procedure's current form (GET /v1/procedures/CSHD.CHINHTHUC). Fields the registry
    # knows (hoTen, ngaySinh, soTheDangVien, chiBoHienTai) are left out: TTHC fills them in.
    "formVersion": "2026.1",
    "form": {"lyDo": "Chuyển công tác theo quyết định số 123/QĐ-UBND", "noiDen": "Chi bộ số 2",
             "chiBoNoiDen": DESTINATION, "soQuyetDinh": "123/QĐ-UBND", "ngayQuyetDinh": decided_on},
    "attachments": [
        component("DDN", "don-de-nghi.pdf", b"%PDF-1.4\n% Don de nghi chuyen sinh hoat dang\n%%EOF\n", signed=True),
        component("BTKD", "ban-tu-kiem-diem.pdf", b"%PDF-1.4\n% Ban tu kiem diem\n%%EOF\n", signed=True),
        component("QD", "quyet-dinh.pdf", b"%PDF-1.4\n% Quyet dinh dieu dong\n%%EOF\n", signed=False),
    ],
}
event = CloudEvent(attributes={"type": f"vn.dang.tthc.dossier.submit.v{version}", "source": f"urn:integrator:{user}",
                               "id": str(uuid.uuid4()), "time": datetime.now(timezone.utc),
                               "datacontenttype": "application/json"}, data=data)
# Structured mode: the whole CloudEvent is the JSON body (content type application/cloudevents+json).
message = to_structured(event, JSONFormat())
if "--print" in sys.argv:
    print(json.dumps(json.loads(message.body), ensure_ascii=False, indent=2))
    sys.exit(0)

params = pika.ConnectionParameters(
    host=os.environ.get("TTHC_AMQP_HOST", "127.0.0.1"), port=int(os.environ.get("TTHC_AMQP_PORT", "5672")),
    virtual_host="tthc", credentials=pika.PlainCredentials(user, os.environ.get("TTHC_INTEGRATOR_PASSWORD", user)))
connection = pika.BlockingConnection(params)
channel = connection.channel()
channel.confirm_delivery()  # the broker confirms it stored the message

# Your feed: a queue of your own bound to your prefix on tthc.integrators, declared before
# submitting so that no event is missed. (Production: one durable queue, bound once.)
feed = channel.queue_declare(queue=f"{user}.example-{uuid.uuid4()}", exclusive=True, auto_delete=True).method.queue
channel.queue_bind(queue=feed, exchange="tthc.integrators", routing_key=f"{user}.#")

state = {"code": None, "exit": None, "early": []}


def on_reply(ch, method, properties, reply):
    answer = json.loads(reply)
    if properties.type == "vn.dang.tthc.dossier.received.v1":
        state["code"] = answer["data"]["dossierCode"]
        print(f"Mã hồ sơ: {state['code']}")
        print(f"Mã bí mật của phiếu tiếp nhận: {answer['data']['receiptSecret']}")
        print(f"Thời điểm tiếp nhận chính thức: {answer['data']['officialReceiptAt']}")
        for early in state["early"]:  # feed events that came before the answer
            follow(ch, early)
    else:  # dossier.rejected.v1 or message.dead-lettered.v1
        print(json.dumps(answer["data"], ensure_ascii=False, indent=2), file=sys.stderr)
        state["exit"] = 1
        ch.stop_consuming()


def on_event(ch, method, properties, message):
    ch.basic_ack(method.delivery_tag)
    event = json.loads(message)
    if state["code"] is None:
        state["early"].append(event)
    else:
        follow(ch, event)


def follow(ch, event):
    if event.get("subject") != state["code"] or state["exit"] is not None:
        return
    kind, data = event["type"].removeprefix("vn.dang.tthc."), event["data"]
    print(f"→ {kind}")
    if kind == "dossier.supplement-requested.v1":
        for problem in data["problems"]:
            print(f"  {problem['code']} {problem['path']}: {problem['message']}")
        state["exit"] = 2
    elif kind == "dossier.refused.v1":
        print(f"  {data['reasonCode']}: {data['reason']}")
        state["exit"] = 2
    elif kind == "result.issued.v1":
        print(f"Kết quả: {data['resultCode']}")
        state["exit"] = 0
    if state["exit"] is not None:
        ch.stop_consuming()


channel.basic_consume(queue="amq.rabbitmq.reply-to", on_message_callback=on_reply, auto_ack=True)
channel.basic_consume(queue=feed, on_message_callback=on_event)
channel.basic_publish(
    exchange="tthc.intake", routing_key=f"dossier.submit.v{version}", body=message.body, mandatory=True,
    properties=pika.BasicProperties(
        content_type=message.content_type, delivery_mode=2, message_id=event.get_id(), type=event.get_type(),
        user_id=user,  # RabbitMQ checks it is the connected user: that is how TTHC knows it is you
        reply_to="amq.rabbitmq.reply-to", correlation_id=event.get_id()))
connection.call_later(int(os.environ.get("TTHC_FOLLOW_SECONDS", "120")), channel.stop_consuming)
channel.start_consuming()
connection.close()
if state["exit"] is None:
    print("no result within the time allowed", file=sys.stderr)
sys.exit(1 if state["exit"] is None else state["exit"])
