# The runbook's handler (root-account-best-practice.ko.md, step 5), verbatim
# but for its two placeholders, which are read from the environment so the
# cold-start benchmark can point it at a local Slack stand-in.
import boto3
import json
import logging
import os

from base64 import b64decode
from urllib.request import Request, urlopen
from urllib.error import URLError, HTTPError

SLACK_CHANNEL = os.environ["SLACK_CHANNEL"]
WEBHOOK_URL = os.environ["WEBHOOK_URL"]

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def lambda_handler(event, context):
    logger.info("Event: " + str(event))

    account_id = event['detail']['userIdentity']['accountId']
    event_time= event['detail']['eventTime']
    source_ip_address = event['detail']['sourceIPAddress']
    status = event['detail']['responseElements']['ConsoleLogin']
    slack_message = {
        'channel': SLACK_CHANNEL,
        'text': "Account: %s \n Time: %s \n Source IP: %s \n Status: %s" % (account_id, event_time, source_ip_address, status)
    }

    req = Request(WEBHOOK_URL, json.dumps(slack_message).encode('utf-8'))
    try:
        response = urlopen(req)
        response.read()
        logger.info("Message posted to %s", slack_message['channel'])
    except HTTPError as e:
        logger.error("Request failed: %d %s", e.code, e.reason)
    except URLError as e:
        logger.error("Server connection failed: %s", e.reason)
