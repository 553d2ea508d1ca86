"""Check every answer before cookiecutter writes the project; refuse the bake if any is wrong.

Cookiecutter renders this file with the bake's context, runs it in the new project folder and,
when it exits non-zero, removes that folder and stops with "Hook script failed". The problems,
the answers file and the command that re-runs the bake go to the standard error stream first.
The rules are ``launcher_rules``, beside ``cookiecutter.json``; ``--accept-hooks no`` skips them.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

# The context of the bake: the answers after the prompts, and the context before them.
ANSWERS: dict[str, Any] = json.loads(r"""{{ cookiecutter | context_json }}""")
GIVEN: dict[str, Any] = json.loads(r"""{{ _cookiecutter | default({}) | context_json }}""")
# What the template answers itself to each question, given these answers.
DERIVED: dict[str, Any] = json.loads(r"""{{ derived_answers() | context_json }}""")
# The template's folder, where launcher_rules.py is: cruft gives no ``_repo_dir``.
TEMPLATE_FOLDER = r"""{{ launcher_template_folder() }}"""


def rerun_command(answers: dict[str, Any], answers_file: Path) -> str:
    """Return the cookiecutter command that bakes again with ``answers_file``, built from the
    template, checkout and output folder cookiecutter was given."""
    words = ["cookiecutter", "--config-file", str(answers_file)]
    words += ["--output-dir", str(answers_file.parent)]
    if answers.get("_checkout"):
        words += ["--checkout", str(answers["_checkout"])]
    words.append(str(answers["_template"]))
    if os.name == "nt":
        import subprocess  # here: every bake runs this hook, and only a refused one needs it

        return subprocess.list2cmdline(words)
    import shlex

    return shlex.join(words)


def forget_this_copy() -> None:
    """Remove the copy of this script that cookiecutter ran from the temporary folder (it
    leaves it there)."""
    here = Path(__file__)
    if here.name != "pre_gen_project.py":
        here.unlink(missing_ok=True)


def main() -> int:
    forget_this_copy()
    sys.path.insert(0, TEMPLATE_FOLDER)
    import launcher_rules as rules

    with Path(TEMPLATE_FOLDER, "cookiecutter.json").open(encoding="utf-8") as file:
        questions = rules.template_questions(json.load(file))
    problems, parsed = rules.check_bake(ANSWERS, GIVEN, questions, DERIVED)
    if not problems:
        if any(Path.cwd().iterdir()):
            print(
                f"The output folder {str(Path.cwd())!r} already exists and holds files;"
                " nothing was changed. Bake into another --output-dir, or move the folder away.",
                file=sys.stderr,
            )
            return 1
        return 0
    refused = list(rules.refused_answers(problems))
    lines = ["These answers are not allowed, so no project was generated:"]
    lines += [f"  - {problem.message}" for problem in problems]
    kept = {**{name: ANSWERS.get(name) for name in questions}, **parsed}
    # The output folder; cruft gives no ``_output_dir``, and this runs in the project folder.
    output = Path(ANSWERS.get("_output_dir") or Path.cwd().parent)
    try:
        written = rules.write_answers_file(
            output, rules.changed_answers(kept, questions, refused, DERIVED), problems
        )
    except OSError as error:
        lines.append(f"(Your other answers could not be saved: {error}.)")
    else:
        lines.append(f"Your other answers are saved in {written} (a cookiecutter config file).")
        if ANSWERS.get("_template"):
            lines += [
                f"Run this to answer only {rules.listed(refused)} again (Enter keeps the others):",
                f"  {rerun_command(ANSWERS, written)}",
                "or add the answers to that file and run the same command with --no-input.",
            ]
    print("\n".join(lines), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
