-- wrk script: POST /v1/dossiers with a fresh Idempotency-Key per request (so each creates a dossier).
-- Run by Benchmarks/intake-http.sh.
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
  table.insert(threads, thread)
end

local function attachment(code, signed)
  local a = '{"componentCode":"' .. code .. '","fileName":"' .. code .. '.pdf","mediaType":"application/pdf",' ..
    '"sizeBytes":1000,"sha256":"' .. string.rep("ab", 32) .. '"'
  if signed then
    a = a .. ',"signature":{"fileName":"' .. code .. '.p7s","mediaType":"application/pkcs7-signature","sizeBytes":3000,' ..
      '"sha256":"' .. string.rep("cd", 32) .. '"}'
  end
  return a .. '}'
end

function init(args)
  organisation = args[1] or "HTTPBENCH.CB01"
  body = '{"clientSubmissionId":"x","procedureCode":"CSHD.CHINHTHUC","receivingOrganisationCode":"' .. organisation ..
    '","submitter":{"memberId":"DV0000001","fullName":"Nguyễn Văn An"},"formVersion":"2026.1",' ..
    '"form":{"lyDo":"Chuyển công tác","noiDen":"Đảng bộ phường Ba Đình"},"attachments":[' ..
    attachment("DDN", true) .. ',' .. attachment("BTKD", true) .. ',' .. attachment("QD", false) .. ']}'
end

function request()
  counter = counter + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer portal-test-token",
    ["Idempotency-Key"] = "wrk-" .. organisation .. "-" .. tid .. "-" .. counter,
  }
  return wrk.format("POST", "/v1/dossiers", headers, body)
end
