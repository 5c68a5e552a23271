#!/usr/bin/env python3
"""A stand-in for the docker and podman command lines, which cannot run here (no daemon).

Installed on PATH as ``docker`` and ``podman`` by the backend tests: it records each
invocation (argv, and the Dockerfile it was asked to build) as a JSON line in
$FAKE_CLI_LOG and answers as the real tool would for the calls catalog build makes.
"""

import json
import os
import sys

tool = os.path.basename(sys.argv[0])
args = sys.argv[1:]
record = {"tool": tool, "args": args}
if args[:1] == ["build"] and "-f" in args:
    with open(args[args.index("-f") + 1]) as handle:
        record["dockerfile"] = handle.read()
with open(os.environ["FAKE_CLI_LOG"], "a") as log:
    log.write(json.dumps(record) + "\n")

command = args[0] if args else ""
if command == "info":
    sys.exit(int(os.environ.get("FAKE_DOCKER_INFO_EXIT", "0")))
if command == "buildx":
    if os.environ.get("FAKE_DOCKER_NO_BUILDX"):
        print("docker: 'buildx' is not a docker command.", file=sys.stderr)
        sys.exit(1)
    print("github.com/docker/buildx v0.17.1")
if command == "version":
    print("27.3.1" if tool == "docker" else "4.9.3")
elif command == "build":
    print("#1 [internal] load build definition from Dockerfile")
    if os.environ.get("FAKE_BUILD_FAIL"):
        print("ERROR: failed to solve: process did not complete successfully: exit code: 1", file=sys.stderr)
        sys.exit(1)
elif command == "run":
    with open(os.environ["FAKE_PROBE_ANSWER"]) as handle:
        sys.stdout.write(handle.read())
elif command == "image" and args[1:2] == ["inspect"]:
    data = {"Id": "sha256:" + "1" * 64, "Size": 123456789, "RepoDigests": []}
    if tool == "podman":
        data = [{"Id": "2" * 64, "Digest": "sha256:" + "2" * 64, "Size": 987654321}]
    print(json.dumps(data))
elif command == "push":
    if tool == "docker":
        print(f"next: digest: sha256:{'3' * 64} size: 1234")
    else:
        print("sha256:" + "4" * 64)
