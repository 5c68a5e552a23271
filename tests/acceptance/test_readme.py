"""The README's commands are the ones CI runs, and they work as root without sudo."""

import re

from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def shell_blocks(section: str) -> list[list[str]]:
    """The lines of each ```sh block under the README heading ``section``."""
    body = re.split(rf"\n#+ {re.escape(section)}\n", README, maxsplit=1)[1]
    body = re.split(r"\n## ", body, maxsplit=1)[0]
    return [block.strip().splitlines() for block in re.findall(r"```sh\n(.*?)```", body, re.S)]


def test_ci_runs_the_readme_test_command_as_written():
    [[install, test_command]] = shell_blocks("Running the tests")
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert test_command in ci
    packages = "chromium libatomic1 buildah docker-registry debootstrap"
    assert install == f"apt-get update && apt-get install -y {packages}"
    assert any(f"apt-get install -y -qq {packages}" in line for line in ci)
    assert any(f"dpkg -s {packages}" in line for line in ci)


def test_readme_commands_need_no_sudo():
    for section in ("Quick start", "Running the tests"):
        for block in shell_blocks(section):
            assert not any(re.search(r"\bsudo\b", line) for line in block), block


def test_test_command_installs_with_the_ci_pins():
    [[_, test_command]] = shell_blocks("Running the tests")
    assert "-c .ci/constraints.txt" in test_command and (REPO / ".ci" / "constraints.txt").is_file()
