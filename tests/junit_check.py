#!/usr/bin/env python3
"""Independent check of a JUnit XML file written by perfgate.

Parses FILE with Python's strict XML parser and with junitparser (PyPI), then
prints a JSON summary on stdout: suites, tests, failures, and for each test
case its classname, name, result, message, text and system-out.

Exit codes: 0 parsed; 2 the file is not valid JUnit XML; 3 junitparser is missing.
Usage: python3 tests/junit_check.py FILE
"""

import json
import sys
import xml.etree.ElementTree as ElementTree

try:
    import junitparser
except ImportError:
    print(
        "junitparser is not installed for this python3: pip install junitparser",
        file=sys.stderr,
    )
    sys.exit(3)


def result_of(case):
    """The case's result as (kind, message, type, text)."""
    for result in case.result:
        if isinstance(result, junitparser.Failure):
            kind = "failure"
        elif isinstance(result, junitparser.Error):
            kind = "error"
        elif isinstance(result, junitparser.Skipped):
            kind = "skipped"
        else:
            kind = type(result).__name__.lower()
        return kind, result.message, result.type, result.text
    return "passed", None, None, None


def suite_output(suite):
    """The suite's own <system-out> text (junitparser has no accessor for it)."""
    element = suite._elem.find("system-out")
    return None if element is None else element.text


def main():
    if len(sys.argv) != 2:
        print("usage: junit_check.py FILE", file=sys.stderr)
        return 2
    path = sys.argv[1]
    try:
        # Well-formed XML first, with the standard library's (expat) parser.
        ElementTree.parse(path)
        xml = junitparser.JUnitXml.fromfile(path)
    except Exception as error:  # any parse failure means invalid JUnit
        print(f"{path}: not valid JUnit XML: {error}", file=sys.stderr)
        return 2

    suites = []
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in xml:
        cases = []
        for case in suite:
            kind, message, ty, text = result_of(case)
            cases.append(
                {
                    "classname": case.classname,
                    "name": case.name,
                    "result": kind,
                    "type": ty,
                    "message": message,
                    "text": text,
                    "system_out": case.system_out,
                    "time": case.time,
                }
            )
        counted = {
            "tests": len(cases),
            "failures": sum(c["result"] == "failure" for c in cases),
            "errors": sum(c["result"] == "error" for c in cases),
            "skipped": sum(c["result"] == "skipped" for c in cases),
        }
        for key in totals:
            totals[key] += counted[key]
        suites.append(
            {
                "name": suite.name,
                "timestamp": suite.timestamp,
                "time": suite.time,
                # The counts as the file states them, and as the cases add up.
                "declared": {
                    "tests": suite.tests,
                    "failures": suite.failures,
                    "errors": suite.errors,
                    "skipped": suite.skipped,
                },
                **counted,
                "properties": {p.name: p.value for p in suite.properties()},
                "system_out": suite_output(suite),
                "cases": cases,
            }
        )
    json.dump({"suites": suites, **totals}, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
