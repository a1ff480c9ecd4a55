# A minimal Lambda runtime interface client for the cold-start benchmark,
# standing in for awslambdaric (not installable here). Like the Python
# runtime it imports the handler module named by _HANDLER during init —
# the module imports boto3, as the runbook's does — and only then polls the
# Runtime API: next invocation, call the handler, post the response or error.
import importlib
import json
import logging
import os
import sys
import urllib.request

logging.basicConfig(stream=sys.stdout, level=logging.INFO)
sys.path.insert(0, os.environ.get("LAMBDA_TASK_ROOT", os.path.dirname(os.path.abspath(__file__))))
module_name, function_name = os.environ["_HANDLER"].rsplit(".", 1)
handler = getattr(importlib.import_module(module_name), function_name)

api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"


class Context:
    def __init__(self, headers):
        self.aws_request_id = headers["Lambda-Runtime-Aws-Request-Id"]
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn", "")
        self.deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms", "0"))


while True:
    with urllib.request.urlopen(api + "next") as r:
        ctx = Context(r.headers)
        event = json.loads(r.read())
    try:
        body, path = json.dumps(handler(event, ctx)).encode(), "/response"
    except Exception as e:  # reported to the Runtime API, as the runtime does
        body = json.dumps({"errorMessage": str(e), "errorType": type(e).__name__}).encode()
        path = "/error"
    post = urllib.request.Request(api + ctx.aws_request_id + path, data=body, method="POST")
    urllib.request.urlopen(post).read()
