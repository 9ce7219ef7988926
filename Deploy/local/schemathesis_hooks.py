# Schemathesis hooks for HTTPContractTests: media types the OpenAPI documents use that Schemathesis
# cannot generate on its own (a detached CMS signature is raw bytes, like a PDF).
import schemathesis
from hypothesis import strategies as st

schemathesis.openapi.media_type("application/pkcs7-signature", st.binary(min_size=1, max_size=2048))
