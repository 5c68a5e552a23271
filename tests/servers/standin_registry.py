"""A registry on 127.0.0.1 holding stand-ins for the base images the bundled catalog uses.

    python -m tests.servers.standin_registry [--port 5000] [--state-dir DIR] [--background | --stop]

mcr.microsoft.com cannot be reached from every machine (not from CI here), so the
bundled catalog is pinned, released and built against stand-ins: a small Debian
bookworm with Python 3.11, pip and venv (made with debootstrap), published under the
MCR names the catalog's Dockerfiles use, in Debian's distribution registry. Name it as
the mirror of mcr.microsoft.com in [tool.catalog.pin]:

    registry-mirrors = { "mcr.microsoft.com" = "http://127.0.0.1:5000" }

The Debian root file system and the registry's storage are kept in the state directory
(default ~/.cache/envcatalog/standin), so a second start takes seconds; a fresh machine
builds them (about two minutes). Needs root, debootstrap, buildah and docker-registry.
The registry runs in the foreground until interrupted (the first line printed is its
URL), or with ``--background`` in a process of its own, until ``--stop``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

SUITE = "bookworm"  # its python3 is 3.11: the bundled catalog's Python tags say so
MIRROR = "http://deb.debian.org/debian"
PACKAGES = "python3,python3-pip,python3-venv,ca-certificates"
# The MCR repositories the bundled catalog builds FROM, and their tags; latest is the newest.
REPOSITORIES = ("azureml/openmpi4.1.0-ubuntu22.04", "azureml/openmpi5.0-ubuntu24.04")
TAGS = ("20251001.v1", "20251110.v1")
TOOLS = ("/usr/sbin/debootstrap", "/usr/bin/buildah", "/usr/bin/docker-registry")


def default_state_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "envcatalog" / "standin"


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if not os.path.exists(tool)]


def sources_mirror() -> str:
    """The Debian mirror apt uses here (a machine may have its own), else deb.debian.org."""
    for path in sorted(Path("/etc/apt/sources.list.d").glob("*.sources")) + [Path("/etc/apt/sources.list")]:
        try:
            text = path.read_text()
        except OSError:
            continue
        for line in text.splitlines():
            words = line.split()
            if words[:1] == ["URIs:"] and len(words) > 1 and "security" not in words[1]:
                return words[1]
            if words[:1] == ["deb"] and len(words) > 2 and "security" not in words[1]:
                return words[1] if not words[1].startswith("[") else words[2]
    return MIRROR


def rootfs_tarball(state: Path, log) -> Path:
    """The stand-in's root file system as a tar file, made once with debootstrap."""
    tarball = state / f"{SUITE}.tar"
    if tarball.is_file():
        return tarball
    state.mkdir(parents=True, exist_ok=True)
    work = state / f"{SUITE}.rootfs"
    shutil.rmtree(work, ignore_errors=True)
    subprocess.run(
        ["/usr/sbin/debootstrap", "--variant=minbase", f"--include={PACKAGES}", SUITE, str(work), sources_mirror()],
        check=True,
        stdout=log,
        stderr=log,
    )
    partial = tarball.with_suffix(".tar.partial")
    subprocess.run(["tar", "-C", str(work), "-cf", str(partial), "."], check=True, stdout=log, stderr=log)
    os.replace(partial, tarball)
    shutil.rmtree(work, ignore_errors=True)
    return tarball


def buildah(*args: str, log=None) -> str:
    result = subprocess.run(["/usr/bin/buildah", *args], check=True, text=True, capture_output=True)
    if log is not None:
        log.write(result.stderr)
    return result.stdout.strip()


def image_from_tarball(tarball: Path, tag: str, log) -> str:
    """A local image of the root file system, labelled with ``tag`` so that each tag has its own digest."""
    name = f"localhost/envcatalog-standin:{tag}"
    container = buildah("from", "scratch", log=log)
    try:
        buildah("add", container, str(tarball), "/", log=log)
        buildah("config", "--env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "--cmd", "/bin/bash", "--label", f"org.opencontainers.image.version={tag}",
                "--label", "envcatalog.standin=debian-" + SUITE, container, log=log)
        buildah("commit", "-q", container, name, log=log)
    finally:
        buildah("rm", container, log=log)
    return name


def start_registry(state: Path, port: int, background: bool = False) -> subprocess.Popen:
    import requests

    config = state / "registry.yml"
    config.write_text("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: "
                      f"{state / 'registry'}\n"
                      f"http:\n  addr: 127.0.0.1:{port}\n")
    process = subprocess.Popen(["/usr/bin/docker-registry", "serve", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=background)
    for _ in range(200):
        try:
            requests.get(f"http://127.0.0.1:{port}/v2/", timeout=1)
            return process
        except requests.ConnectionError:
            if process.poll() is not None:
                raise RuntimeError(f"docker-registry did not start on 127.0.0.1:{port} (is the port taken?)") from None
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"docker-registry did not answer on 127.0.0.1:{port}")


def publish(state: Path, port: int, log) -> None:
    """Push the stand-ins under every repository and tag, unless the registry has them."""
    import requests

    wanted = [(repository, tag) for repository in REPOSITORIES for tag in (*TAGS, "latest")]
    have = set()
    for repository in REPOSITORIES:
        answer = requests.get(f"http://127.0.0.1:{port}/v2/{repository}/tags/list", timeout=10)
        if answer.status_code == 200:
            have.update((repository, tag) for tag in answer.json().get("tags") or [])
    if all(item in have for item in wanted):
        return
    tarball = rootfs_tarball(state, log)
    for tag in TAGS:
        image = image_from_tarball(tarball, tag, log)
        for repository in REPOSITORIES:
            targets = [tag] + (["latest"] if tag == TAGS[-1] else [])
            for target in targets:
                buildah(
                    "push",
                    "-q",
                    "--tls-verify=false",
                    image,
                    f"docker://127.0.0.1:{port}/{repository}:{target}",
                    log=log,
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--state-dir", type=Path, default=default_state_dir())
    parser.add_argument("--background", action="store_true", help="Leave the registry running and return.")
    parser.add_argument("--stop", action="store_true", help="Stop a registry started with --background.")
    options = parser.parse_args()
    pid_file = options.state_dir / "registry.pid"
    if options.stop:
        try:
            os.kill(int(pid_file.read_text()), 15)
            pid_file.unlink()
        except (OSError, ValueError):
            sys.exit("standin_registry: no registry started with --background is running")
        return
    missing = missing_tools()
    if missing:
        sys.exit(f"standin_registry: missing {', '.join(missing)}: apt-get install -y debootstrap buildah "
                 "docker-registry")
    os.environ.setdefault("STORAGE_DRIVER", "vfs")  # what works in containers and sandboxes
    state = options.state_dir
    state.mkdir(parents=True, exist_ok=True)
    with open(state / "standin.log", "a") as log:
        process = start_registry(state, options.port, options.background)
        try:
            publish(state, options.port, log)
        except (subprocess.CalledProcessError, RuntimeError, OSError) as exc:
            process.kill()
            sys.exit(f"standin_registry: cannot publish the stand-in images ({exc}); see {state / 'standin.log'}")
    print(f"http://127.0.0.1:{options.port}", flush=True)
    if options.background:
        pid_file.write_text(str(process.pid))
        return
    try:
        process.wait()
    except KeyboardInterrupt:
        process.terminate()


if __name__ == "__main__":
    main()
