"""`mongo`/`mongosh` inside a simulated MongoDB pod: the user and role commands, nothing else.

Reached through `kubectl exec POD -- mongo [db] [-u U -p P --authenticationDatabase admin] --eval "..."`.
The script is parsed, never evaluated: each `db.<command>(...)` call with literal arguments is applied to
the server's users; anything else gets the shell's own error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from agents.sim.state import ClusterState, MongoServer, MongoUser

BANNER = (
    "MongoDB shell version v4.4.6\n"
    "connecting to: mongodb://127.0.0.1:27017/{db}?compressors=disabled&gssapiServiceName=mongodb\n"
    'Implicit session: session {{ "id" : UUID("5f0c2d4e-8c1b-4b0e-9d7a-3c2e1f9b8a71") }}\n'
    "MongoDB server version: 4.4.6\n"
)
CALL = re.compile(
    r"db(?:\.getSiblingDB\(\s*['\"](?P<sibling>[\w-]+)['\"]\s*\))?\.(?P<name>\w+)\((?P<args>.*?)\)\s*;?\s*$", re.S
)
ADMIN_ROLES = {"root", "userAdminAnyDatabase", "userAdmin"}


def _literal(text: str) -> Any:
    """A JavaScript literal (unquoted keys, single quotes) read as JSON."""
    converted = re.sub(r"'([^'\\]*)'", lambda match: json.dumps(match.group(1)), text)
    converted = re.sub(r"([{,]\s*)([A-Za-z_$][\w$]*)\s*:", r'\1"\2":', converted)
    return json.loads(f"[{converted}]")


def _split_statements(script: str) -> list[str]:
    statements, depth, current, quote = [], 0, "", ""
    for char in script:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == ";" and depth == 0 and not quote:
            statements.append(current.strip())
            current = ""
            continue
        current += char
    if current.strip():
        statements.append(current.strip())
    return statements


def exec_not_found(program: str) -> str:
    """What `kubectl exec` prints when the container has no such program."""
    return (
        "OCI runtime exec failed: exec failed: unable to start container process: "
        f'exec: "{program}": executable file not found in $PATH: unknown\ncommand terminated with exit code 126'
    )


def run_mongo_shell(state: ClusterState, database: str, argv: Sequence[str]) -> tuple[str, str, int]:
    """(stdout, stderr, exit code) of the mongo shell run with ``argv`` in the pod of ``database``."""
    server = state.mongo.get(database)
    if server is None:
        return (
            "",
            exec_not_found(argv[0]),
            126,
        )
    options = _options(argv[1:])
    db_name = options.get("db", "test")
    script = options.get("eval")
    if script is None:
        return "", "interactive shells are not available here: pass the commands with --eval", 1
    output = BANNER.format(db=db_name)
    authenticated = _authenticate(server, options)
    if authenticated is False:
        return (
            output,
            "Error: Authentication failed. :\nconnect@src/mongo/shell/mongo.js:374:17\n"
            "exception: connect failed\nexiting with code 1",
            1,
        )
    auth_required = "--auth" in _server_args(state, database)
    for statement in _split_statements(script):
        text, failed = _statement(server, statement, db_name, auth_required and not authenticated)
        output += text
        if failed:
            return output, "", 1
    return output, "", 0


def _server_args(state: ClusterState, database: str) -> list[str]:
    deployment = state.deployment(database)
    if deployment is None:
        return []
    return [str(arg) for arg in deployment["spec"]["template"]["spec"]["containers"][0].get("args") or []]


def _options(args: Sequence[str]) -> dict[str, str]:
    options: dict[str, str] = {}
    items = list(args)
    index = 0
    while index < len(items):
        item = items[index]
        if item in ("-u", "--username", "-p", "--password", "--authenticationDatabase", "--eval", "--host", "--port"):
            value = items[index + 1] if index + 1 < len(items) else ""
            options[item.lstrip("-").replace("username", "u").replace("password", "p")] = value
            index += 2
            continue
        if "=" in item and item.startswith("--"):
            key, value = item[2:].split("=", 1)
            options[key] = value
        elif not item.startswith("-"):
            options["db"] = item.rsplit("/", 1)[-1]
        index += 1
    return options


def _authenticate(server: MongoServer, options: dict[str, str]) -> bool | None:
    if "u" not in options:
        return None
    user = server.users.get(options["u"])
    return user is not None and user.password == options.get("p", "")


def _statement(server: MongoServer, statement: str, db_name: str, anonymous: bool) -> tuple[str, bool]:
    if not statement or statement.startswith("use "):
        return (f"switched to db {statement[4:].strip()}\n" if statement else ""), False
    if statement in ("show users", "db.getUsers()"):
        return _users_json(server) + "\n", False
    match = CALL.match(statement)
    if match is None:
        token = statement.split("(")[0][:40]
        return f"uncaught exception: ReferenceError: {token} is not defined :\n@(shell eval):1:1\n", True
    name = match.group("name")
    if anonymous and name in (
        "grantRolesToUser",
        "revokeRolesFromUser",
        "createUser",
        "dropUser",
        "getUsers",
        "getUser",
    ):
        return (
            f"uncaught exception: Error: command {name} requires authentication :\n"
            "_getErrorWithCode@src/mongo/shell/utils.js:25:13\n"
            f"DB.prototype.{name}@src/mongo/shell/db.js:1\n@(shell eval):1:4\n"
        ), True
    try:
        args = _literal(match.group("args"))
    except json.JSONDecodeError:
        return "uncaught exception: SyntaxError: missing ) after argument list :\n@(shell eval):1:1\n", True
    return _apply(server, name, args)


def _apply(server: MongoServer, name: str, args: list[Any]) -> tuple[str, bool]:
    if name in ("grantRolesToUser", "revokeRolesFromUser"):
        user = server.users.get(str(args[0])) if args else None
        if user is None:
            return (
                f'uncaught exception: Error: Could not find user "{args[0] if args else ""}" for db "admin" :\n',
                True,
            )
        roles = [
            (str(role.get("role")), str(role.get("db"))) if isinstance(role, dict) else (str(role), "admin")
            for role in (args[1] if len(args) > 1 else [])
        ]
        if name == "grantRolesToUser":
            user.roles += [role for role in roles if role not in user.roles]
        else:
            user.roles = [role for role in user.roles if role not in roles]
        return "", False
    if name == "createUser":
        spec = args[0] if args and isinstance(args[0], dict) else {}
        username = str(spec.get("user", ""))
        if username in server.users:
            return f'uncaught exception: Error: couldn\'t add user: User "{username}@admin" already exists :\n', True
        roles = [
            (str(role.get("role")), str(role.get("db"))) for role in spec.get("roles", []) if isinstance(role, dict)
        ]
        server.users[username] = MongoUser(username, str(spec.get("pwd", "")), roles)
        shown = json.dumps({"user": username, "roles": [{"role": role, "db": db} for role, db in roles]}, indent=1)
        return f"Successfully added user: {shown}\n", False
    if name == "dropUser":
        removed = server.users.pop(str(args[0]) if args else "", None)
        return ("true\n" if removed else "false\n"), False
    if name == "getUser":
        user = server.users.get(str(args[0]) if args else "")
        return (json.dumps(_user_doc(user), indent=1) if user else "null") + "\n", False
    return f"uncaught exception: TypeError: db.{name} is not a function :\n@(shell eval):1:1\n", True


def _user_doc(user: MongoUser) -> dict[str, Any]:
    return {
        "_id": f"admin.{user.name}",
        "user": user.name,
        "db": "admin",
        "roles": [{"role": role, "db": db} for role, db in user.roles],
        "mechanisms": ["SCRAM-SHA-1", "SCRAM-SHA-256"],
    }


def _users_json(server: MongoServer) -> str:
    return json.dumps([_user_doc(user) for user in server.users.values()], indent=1)
