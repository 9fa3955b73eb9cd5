"""``corpus``: one command, one subcommand per stage (``python -m pipelines.stages.<stage>`` too).

Subcommands are imported only when they run (click's lazy-loading group): ``dvc repro`` starts
one ``corpus`` process per stage, and each pays for its own stage's imports, not for every
stage's engines. This package sits above everything; nothing imports it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib import import_module

import click
import typer
import typer.main
from typer.core import TyperGroup

from pipelines.run.runner import run_app


@dataclass(frozen=True)
class Group:
    """A subcommand group: name -> ``"module:attribute"`` (a command function or a Typer app)."""

    help: str
    commands: dict[str, str] = field(default_factory=dict)


COMMANDS: dict[str, str | Group] = {
    "manifest": "pipelines.cli.corpus_commands:manifest_command",
    "add": "pipelines.cli.corpus_commands:add_command",
    "remove": "pipelines.cli.corpus_commands:remove_command",
    "rename": "pipelines.cli.corpus_commands:rename_command",
    "ingest": "pipelines.stages.ingest:command",
    "segment": "pipelines.stages.segment:command",
    "translate": "pipelines.stages.translate:command",
    "translate-file": "pipelines.stages.translate:file_command",
    "align": "pipelines.stages.align:command",
    "train-ner": "pipelines.stages.train_ner:command",
    "tag": "pipelines.stages.tag:command",
    "annotate": Group(
        "Label Studio: serve, push pre-annotations, pull corrections; agreement metrics.",
        {
            "serve": "pipelines.labelstudio.commands:serve_command",
            "push": "pipelines.labelstudio.commands:push_command",
            "pull": "pipelines.labelstudio.commands:pull_command",
            "reparse": "pipelines.labelstudio.commands:reparse_command",
            "rotate-token": "pipelines.labelstudio.commands:rotate_token_command",
            "metrics": "pipelines.stages.agreement:command",
        },
    ),
    "export": "pipelines.stages.export:command",
    "report": "pipelines.stages.report:command",
    "publish": "pipelines.cli.corpus_commands:publish_command",
    "align-eval": "pipelines.evaluation.align_eval:app",
    "models": "pipelines.cli.corpus_commands:models_app",
    "engines": "pipelines.cli.corpus_commands:engines_app",
}

TYPER_OPTIONS = {"add_completion": False, "pretty_exceptions_enable": False, "rich_markup_mode": None}


def load_command(name: str, target: str | Group) -> click.Command:
    """The click command behind a table entry, importing its module now."""
    if isinstance(target, Group):
        return LazyGroup(
            name=name, help=target.help, table=target.commands, no_args_is_help=True, rich_markup_mode=None
        )
    module, attribute = target.split(":")
    value = getattr(import_module(module), attribute)
    holder = typer.Typer(**TYPER_OPTIONS)  # plain help: markup would swallow examples such as [0, 1]:[2]
    holder.callback()(lambda: None)  # a group, whose subcommand is built as the full app built it
    if isinstance(value, typer.Typer):
        holder.add_typer(value, name=name)
    else:
        holder.command(name)(value)
    return typer.main.get_command(holder).commands[name]


class LazyGroup(TyperGroup):
    """A group whose subcommands are imported when looked up (``--help`` looks up all of them)."""

    def __init__(self, *args: object, table: dict[str, str | Group] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.table = COMMANDS if table is None else table

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self.table, *(name for name in super().list_commands(ctx) if name not in self.table)]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.table and name not in self.commands:
            self.add_command(load_command(name, self.table[name]), name)
        return super().get_command(ctx, name)


app = typer.Typer(
    cls=LazyGroup,
    help="Bilingual (de/en) corpus pipeline: ingest, segment, translate, align, tag, annotate, export.",
    no_args_is_help=True,
    **TYPER_OPTIONS,
)


@app.callback()
def options(quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bars")) -> None:
    """Bilingual (de/en) corpus pipeline: ingest, segment, translate, align, tag, annotate, export."""
    if quiet:
        os.environ["TQDM_DISABLE"] = "1"  # tqdm reads this for every bar it creates


def invoke(argv: list[str]) -> None:
    """Run one command line in this process: what the warm engine server does with a stage
    command (``pipelines.cli.entry``); exits as ``main`` would."""
    run_app(lambda: app(args=argv, prog_name="corpus"))


def main() -> None:
    run_app(app)
