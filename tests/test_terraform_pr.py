"""A Terraform pull request end to end (tests/data/terraform/pr: main.tf, its plan, promises.yaml).

The plan (make_fixtures.py `pull_request`) adds an ingress block 5432 from 0.0.0.0/0 to group db,
creates aws_instance.web with its private IP left to DHCP, and renames aws_instance.app to
aws_instance.api with a `moved` block. Line numbers below are main.tf's, read by hand.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import textwrap
from pathlib import Path

import pytest

import vpcsim
from vpcsim.cli import main
from vpcsim.diff import load_network, plan_diff

PR = Path(__file__).parent / "data" / "terraform" / "pr"
README = Path(__file__).parents[1] / "README.md"


@pytest.fixture
def pr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the fixture folder, as the working directory (the checkout of the pull request)."""
    folder = tmp_path / "repo"
    shutil.copytree(PR, folder)
    monkeypatch.chdir(folder)
    return folder


def _line(loc: object) -> tuple[str, int]:
    assert isinstance(loc, tuple)
    return Path(loc[0]).name, loc[1]


def test_nested_blocks_are_located_at_their_own_lines(pr: Path) -> None:
    d = vpcsim.load("plan.json").design
    db = {str(r.cidr): _line(r.loc) for r in d.security_groups["db"].ingress}
    # Terraform lists the group's set of rules in its own order; each is matched to its block.
    assert db == {"10.0.1.0/25": ("main.tf", 93), "0.0.0.0/0": ("main.tf", 101)}
    assert d.security_groups["db"].ingress[0].loc.path == "aws_security_group.db ingress"
    assert [_line(r.loc) for r in d.security_groups["web"].ingress + d.security_groups["web"].egress] == [
        ("main.tf", 73), ("main.tf", 80)]
    acl = d.network_acls["public"]
    assert {(r.number, _line(r.loc)) for r in acl.inbound} == {(90, ("main.tf", 50)), (100, ("main.tf", 59))}
    assert [_line(r.loc) for r in acl.outbound] == [("main.tf", 41)]
    route = next(r for r in d.route_tables["public"].routes if r.destination is not None)
    assert _line(route.loc) == ("main.tf", 26)
    assert _line(d.security_groups["db"].loc) == ("main.tf", 88)  # the resource block itself


def test_github_annotations_and_sarif_land_on_the_rule_line(pr: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "plan.json", "promises.yaml", "--format", "github", "-f", "sarif:out.sarif"]) == 1
    out = capsys.readouterr().out
    assert re.search(r"^::error file=main\.tf,line=101,col=3,title=vpcsim assertion/db-private::", out, re.M), out
    sarif = json.loads((pr / "out.sarif").read_text())
    (result,) = sarif["runs"][0]["results"]
    where = result["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == "main.tf" and where["region"]["startLine"] == 101


def test_readme_recipe_runs_as_written(pr: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = README.read_text()
    section = text[text.index("## Terraform pull requests"):]
    workflow = section[section.index("```yaml"):section.index("```", section.index("```yaml") + 3)]
    commands = [line.split("run:", 1)[1].strip() for line in workflow.splitlines()
                if line.strip().startswith(("- run: vpcsim", "run: vpcsim"))]
    assert commands == ["vpcsim check plan.json promises.yaml --format github",
                        "vpcsim diff --after plan.json > vpcsim-diff.md"]
    codes = []
    for command in commands:
        words = shlex.split(command)[1:]
        target = None
        if ">" in words:
            target = words[words.index(">") + 1]
            words = words[: words.index(">")]
        codes.append(main(words))
        out = capsys.readouterr().out
        if target is not None:
            (pr / target).write_text(out)
        else:
            assert "::error file=main.tf,line=101" in out  # the annotation on the pull request's line
    assert codes == [1, 0]  # the promise breaks; the diff step runs anyway (`if: always()`)
    comment = (pr / "vpcsim-diff.md").read_text()
    assert comment.startswith("### vpcsim: what this change opens or closes")
    assert "| db | tcp 5432 |  |" in comment
    assert "allowed by security group db: tcp 5432 0.0.0.0/0 (" in comment and "main.tf:101:3" in comment
    # The shell recipe above the workflow names the same commands.
    assert "vpcsim check plan.json promises.yaml" in section and "vpcsim diff --after plan.json" in section


def test_diff_matches_renamed_objects_by_id(pr: Path) -> None:
    result = plan_diff(load_network("plan.json", side="before"), load_network("plan.json"))
    exposure = {c.label(): (c.opened.describe(), c.closed.describe()) for c in result.exposure}
    # api is app under its new address (same id): nothing changes for it.
    assert exposure == {"db": ("tcp 5432", "nothing"), "web": ("tcp 443", "nothing")}
    flows = {c.label(): c.opened.describe() for c in result.flows}
    # web's address is picked by AWS: db's 10.0.1.0/25 rule let some of its addresses in before
    # web existed; the new rule opens 5432 from all of them. Exact over ports, union over addresses.
    assert flows == {"api → web": "tcp 443", "web → api": "tcp 443", "web → db": "tcp 5432"}
    assert not any(c.closed for c in result.flows)


def test_diff_labels_a_renamed_object_that_changes(pr: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = json.loads((pr / "plan.json").read_text())
    for res in plan["prior_state"]["values"]["root_module"]["resources"]:
        if res["address"] == "aws_instance.app":
            res["values"]["vpc_security_group_ids"] = ["sg-0db"]  # app was in group db
    (pr / "plan.json").write_text(json.dumps(plan))
    assert main(["diff", "--after", "plan.json", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    api = next(c for c in data["exposure"] if c["subject"] == "api")
    assert (api["was"], api["opened_text"]) == ("app", "tcp 443")
    assert main(["diff", "--after", "plan.json"]) == 0
    assert "| api (was app) | tcp 443 |" in capsys.readouterr().out


def test_tf_dir_everywhere(pr: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (pr / "plan").mkdir()
    (pr / "plan.json").rename(pr / "plan" / "plan.json")
    (pr / "src").mkdir()
    (pr / "main.tf").rename(pr / "src" / "main.tf")
    plan, src = "plan/plan.json", "src"

    def located(args: list[str], code: int = 0) -> str:
        assert main(args) == code, args
        return capsys.readouterr().out

    assert "main.tf" not in located(["validate", plan, "--json"])
    assert "src/main.tf:122" in located(["validate", plan, "--json", "--tf-dir", src])
    trace = json.loads(located(["trace", "internet", "db", "5432", "--design", plan, "--tf-dir", src, "--json"]))
    assert any(step["location"] and "src/main.tf:101:3" in step["location"]
               for hop in trace["forward"] for step in hop["steps"])
    assert "file=src/main.tf,line=101" in located(
        ["check", plan, "promises.yaml", "--tf-dir", src, "--format", "github"], 1)
    lint = located(["lint", plan, "--tf-dir", src, "--format", "github"], 1)
    # VPC003 (a database open to the internet) at the ingress block that opens it.
    assert re.search(r"^::error file=src/main\.tf,line=101,col=3,title=vpcsim VPC003::db ", lint, re.M), lint
    for command in (["exposure", "--design", plan, "--json"], ["reach", "--design", plan, "--json"],
                    ["diagram", "--design", plan]):
        located([*command, "--tf-dir", src])
    assert "src/main.tf:101:3" in located(["diff", "--after", plan, "--tf-dir", src])
    # The config names the sources too; flags win.
    (pr / ".vpcsim.yaml").write_text(f"design: {plan}\ntf-dir: {src}\nassertions: [promises.yaml]\n")
    assert "file=src/main.tf,line=101" in located(["check", "--format", "github"], 1)
    (pr / ".vpcsim.yaml").write_text("tf-dir: nowhere\n")
    assert main(["validate", plan]) == 3
    assert ".vpcsim.yaml:1:9: error: tf-dir 'nowhere' is not a folder" in capsys.readouterr().err


def test_tf_dir_refuses_what_it_cannot_use(pr: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "plan.json", "--tf-dir", "nowhere"]) == 2
    assert "--tf-dir 'nowhere': not a folder" in capsys.readouterr().err
    (pr / "design.yaml").write_text("version: 1\nregion: us-east-1\nvpcs:\n  a: {cidrs: [10.0.0.0/16]}\n")
    assert main(["validate", "design.yaml", "--tf-dir", "."]) == 2
    assert "is not a Terraform plan or state" in capsys.readouterr().err
    # A config's tf-dir is for its Terraform designs: a YAML design ignores it.
    (pr / ".vpcsim.yaml").write_text("tf-dir: .\n")
    assert main(["validate", "design.yaml"]) == 0


def test_diff_matches_a_moved_resource_by_its_previous_address(pr: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Without ids (a plan made with -refresh=false may lack them), the `moved` block's
    # previous_address still says that api was app.
    plan = json.loads((pr / "plan.json").read_text())
    for res in plan["prior_state"]["values"]["root_module"]["resources"]:
        if res["address"] == "aws_instance.app":
            res["values"].pop("id")
            res["values"]["vpc_security_group_ids"] = ["sg-0db"]
    for change in plan["resource_changes"]:
        if change["address"] == "aws_instance.api":
            assert change["previous_address"] == "aws_instance.app"
            change["change"]["after"].pop("id")
            change["change"]["before"].pop("id")
    (pr / "plan.json").write_text(json.dumps(plan))
    assert main(["diff", "--after", "plan.json", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(c["subject"], c["was"], c["opened_text"]) for c in data["exposure"] if c["subject"] == "api"] == [
        ("api", "app", "tcp 443")]
    assert not any(c["subject"] == "app" for c in data["exposure"] + data["flows"])


def test_dynamic_blocks_keep_the_resource_line(pr: Path) -> None:
    main_tf = (pr / "main.tf").read_text()
    start = main_tf.index('resource "aws_security_group" "db" {')
    end = main_tf.index("moved {")
    # db's rules written as a `dynamic "ingress"` block: nothing to match a rule to but the resource.
    (pr / "main.tf").write_text(main_tf[:start] + textwrap.dedent('''\
        resource "aws_security_group" "db" {
          name   = "db"
          vpc_id = aws_vpc.main.id

          dynamic "ingress" {
            for_each = ["10.0.1.0/25", "0.0.0.0/0"]
            content {
              from_port   = 5432
              to_port     = 5432
              protocol    = "tcp"
              cidr_blocks = [ingress.value]
            }
          }
        }

        ''') + main_tf[end:])
    d = vpcsim.load("plan.json").design
    assert {_line(r.loc) for r in d.security_groups["db"].ingress} == {("main.tf", 88)}
    assert _line(d.security_groups["web"].ingress[0].loc) == ("main.tf", 73)  # the others keep theirs
