#!/usr/bin/env python3
"""Judges Kafka message values against schemas/purchase.schema.json (JSON Schema draft 2020-12).

    python3 scripts/schema_check.py SCHEMA CASES

CASES is JSON lines, {"name": ..., "value": base64 or null}; prints one JSON line per case,
{"name": ..., "verdict": "valid"|"invalid"|"notJSON", "detail": ...}. The integration test
(Tests/IntegrationTests/Contract/PurchaseSchemaTests.swift) compares these verdicts with the ones the hostile
catalogue declares, so the schema and the loader cannot drift apart unnoticed.

Numbers are read as decimals (`parse_float=Decimal`), the schema too: as binary floats 38.97 is not a
multiple of 0.01, and money is exact in this pipeline. NaN and Infinity are not JSON and are refused.
Before judging anything the script checks the schema against the draft's meta-schema and its own examples.
"""
import base64
import json
import sys
from decimal import Decimal

import jsonschema


def refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


def load(text):
    return json.loads(text, parse_float=Decimal, parse_constant=refuse_constant)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = load(f.read())
    validator_class = jsonschema.validators.validator_for(schema)
    if validator_class is not jsonschema.Draft202012Validator:
        sys.exit(f"schema_check: {sys.argv[1]} does not declare draft 2020-12")
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    for example in schema.get("examples", []):
        validator.validate(example)
    with open(sys.argv[2], encoding="utf-8") as cases:
        for line in cases:
            case = json.loads(line)
            verdict, detail = judge(validator, case["value"])
            print(json.dumps({"name": case["name"], "verdict": verdict, "detail": detail}))


def judge(validator, encoded):
    if encoded is None:
        return "notJSON", "null value"
    try:
        document = load(base64.b64decode(encoded).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        return "notJSON", str(error)[:200]
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if error is None:
        return "valid", ""
    return "invalid", f"{'/'.join(map(str, error.absolute_path))}: {error.message}"[:200]


if __name__ == "__main__":
    main()
