"""Runs read-only calls against the lz2ct simulator with boto3 and prints what came back.

Input (stdin, JSON): {"endpoint": URL, "key": access key ID, "cases": [case, ...]} where a case is
{"id", "service" (boto3 name), "op" (API name), "params", "as" ({"account", "role"} or null),
"region", "resultKey" (dotted), "field" (dotted; "a,b" joins two fields with "/"; "" = the item),
"pageSizes" ([] = one plain call), "manual" ({"limit", "in", "out"} when botocore has no paginator)}.

Output (stdout, JSON): {"boto3": version, "botocore": version, "results": {id: {"pages": {size: [values]},
"items": [values], "error": code, "unknown": reason}}}. The Go test (clients_test.go) compares the
values with the served snapshot.
"""
import json
import sys

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError, OperationNotPageableError, UnknownServiceError

req = json.load(sys.stdin)
endpoint = req["endpoint"]
base = {"aws_access_key_id": req["key"], "aws_secret_access_key": "secret"}
config = Config(retries={"max_attempts": 1, "mode": "standard"}, s3={"addressing_style": "path"})

sessions = {}
clients = {}


def credentials(who):
    if not who:
        return base
    key = (who["account"], who["role"])
    if key not in sessions:
        sts = boto3.client("sts", region_name="eu-west-1", endpoint_url=endpoint, config=config, **base)
        c = sts.assume_role(RoleArn="arn:aws:iam::%s:role/%s" % key, RoleSessionName="boto3-agree")["Credentials"]
        sessions[key] = {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"],
                         "aws_session_token": c["SessionToken"]}
    return sessions[key]


def client(service, region, who):
    key = (service, region, json.dumps(who, sort_keys=True))
    if key not in clients:
        clients[key] = boto3.client(service, region_name=region, endpoint_url=endpoint, config=config, **credentials(who))
    return clients[key]


def dig(value, path):
    if path == "":
        return value
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def extract(item, field):
    if "," in field:
        return "/".join(str(dig(item, f)) for f in field.split(","))
    v = dig(item, field)
    return v if isinstance(v, str) else json.dumps(v, default=str)


def values(items, field):
    if items is None:
        return []
    if not isinstance(items, list):
        items = [items]
    return [extract(i, field) for i in items]


results = {}
for case in req["cases"]:
    out = results.setdefault(case["id"], {})
    try:
        c = client(case["service"], case["region"], case["as"])
        name = botocore.xform_name(case["op"])
        if not hasattr(c, name):
            out["unknown"] = "botocore %s has no %s.%s" % (botocore.__version__, case["service"], name)
            continue
        params = case["params"] or {}
        if not case["pageSizes"]:
            out["items"] = values(dig(getattr(c, name)(**params), case["resultKey"]), case["field"])
            continue
        out["pages"] = {}
        for size in case["pageSizes"]:
            items = []
            if case.get("manual"):
                m = case["manual"]
                token = None
                while True:
                    p = dict(params, **{m["limit"]: size})
                    if token:
                        p[m["in"]] = token
                    resp = getattr(c, name)(**p)
                    items += dig(resp, case["resultKey"]) or []
                    token = resp.get(m["out"])
                    if not token:
                        break
            else:
                pg = c.get_paginator(name)
                pc = {"PageSize": size} if size else {}
                for page in pg.paginate(**params, PaginationConfig=pc):
                    items += dig(page, case["resultKey"]) or []
            out["pages"][str(size)] = values(items, case["field"])
    except ClientError as e:
        out["error"] = e.response["Error"]["Code"]
    except (OperationNotPageableError, UnknownServiceError) as e:
        out["unknown"] = str(e)

json.dump({"boto3": boto3.__version__, "botocore": botocore.__version__, "results": results}, sys.stdout)
