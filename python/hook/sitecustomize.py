"""exprag's parameter hook: put on a Python command's path by `exprag run` (not with --no-params).

When the program parses its command line with argparse (or click, typer), the values it got,
defaults included, are sent to the run as a `$params` record line on EXPRAG_FD. Nothing the
program sees changes: the parsers return what they return, errors and --help exit as before,
this folder leaves sys.path, and any other sitecustomize on the path still runs.
"""


def _exprag_params_hook():
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    fd_text = os.environ.get("EXPRAG_FD", "")
    if not fd_text.isdigit() or not os.environ.get("EXPRAG_RUN_ID"):
        return here
    fd = int(fd_text)
    expected = os.environ.get("EXPRAG_FD_ID")

    def is_run_pipe():
        # A subprocess that did not inherit the run's pipe may hold one of its own files on that
        # descriptor: only the pipe exprag named (EXPRAG_FD_ID, device:inode) gets the line.
        import stat

        try:
            st = os.fstat(fd)
        except OSError:
            return False
        return f"{st.st_dev}:{st.st_ino}" == expected if expected is not None else stat.S_ISFIFO(st.st_mode)

    if not is_run_pipe():
        return here

    def send(params, parser, sources):
        import json

        if not is_run_pipe():
            return
        # The run's params are those of its first Python process that parses: a Python child it
        # starts later (an evaluation script, inheriting the pipe) parses a command line of its own.
        owner = os.environ.get("EXPRAG_PARAMS_PID")
        if owner is not None and owner != str(os.getpid()):
            return
        os.environ["EXPRAG_PARAMS_PID"] = str(os.getpid())

        by_source = {}
        for name, source in sources.items():
            by_source.setdefault(source, []).append(name)
        note = parser + ": " + "; ".join(f"{source}: {', '.join(names)}" for source, names in sorted(by_source.items()))
        try:
            line = json.dumps({"$params": params, "$note": note}, default=str, ensure_ascii=False)
            os.write(fd, line.encode("utf-8", "replace") + b"\n")
        except Exception:
            pass

    def typed_words(words):
        return [w.split("=", 1)[0] for w in words if isinstance(w, str) and w.startswith("-")]

    def argparse_actions(parser, seen):
        import argparse

        if id(parser) in seen:
            return
        seen.add(id(parser))
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    yield from argparse_actions(sub, seen)
            yield action

    def record_argparse(parser, namespace, words):
        import argparse

        given = typed_words(words)
        actions = {}
        for action in argparse_actions(parser, set()):
            if action.dest is not argparse.SUPPRESS and not isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
                actions.setdefault(action.dest, action)
        params = {}
        sources = {}
        for name, value in vars(namespace).items():
            params[name] = value
            action = actions.get(name)
            typed = action is None or not action.option_strings or any(
                option.startswith("--") and len(word) > 2 and option.startswith(word) or option == word
                for option in action.option_strings
                for word in given
            )
            sources[name] = "command line" if typed else "default"
        send(params, "argparse", sources)

    def patch_argparse(argparse):
        original = argparse.ArgumentParser.parse_known_args
        depth = [0]

        def parse_known_args(self, args=None, namespace=None):
            if args is not None and not isinstance(args, (list, tuple)):
                args = list(args)
            depth[0] += 1
            try:
                result = original(self, args, namespace)
            finally:
                depth[0] -= 1
            if depth[0] == 0 and (args is None or list(args) == sys.argv[1:]):
                try:
                    record_argparse(self, result[0], sys.argv[1:] if args is None else args)
                except Exception:
                    pass
            return result

        parse_known_args.__wrapped__ = original
        parse_known_args.__doc__ = original.__doc__
        argparse.ArgumentParser.parse_known_args = parse_known_args

    def patch_click(click):
        core = sys.modules.get("click.core")
        if core is None:
            return
        original = core.Command.parse_args

        def parse_args(self, ctx, args):
            result = original(self, ctx, args)
            try:
                sources = {}
                for name in ctx.params:
                    source = ctx.get_parameter_source(name) if hasattr(ctx, "get_parameter_source") else None
                    kind = getattr(source, "name", "COMMANDLINE")
                    sources[name] = {"COMMANDLINE": "command line", "ENVIRONMENT": "environment"}.get(kind, "default")
                send(dict(ctx.params), "click", sources)
            except Exception:
                pass
            return result

        parse_args.__wrapped__ = original
        core.Command.parse_args = parse_args

    patches = {"argparse": patch_argparse, "click": patch_click}

    class PatchOnImport:
        """Patches a parser module right after the program imports it (never imports it first)."""

        def find_spec(self, name, path=None, target=None):
            patch = patches.get(name)
            if patch is None:
                return None
            from importlib.machinery import PathFinder

            spec = PathFinder.find_spec(name, path)
            if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
                return None
            loader = spec.loader

            class Loader:
                def create_module(self, spec):
                    return loader.create_module(spec)

                def exec_module(self, module):
                    loader.exec_module(module)
                    patches.pop(name, None)
                    if not patches and finder in sys.meta_path:
                        sys.meta_path.remove(finder)
                    try:
                        patch(module)
                    except Exception:
                        pass

                def __getattr__(self, attribute):
                    return getattr(loader, attribute)

            spec.loader = Loader()
            return spec

    for name in list(patches):
        if name in sys.modules:
            try:
                patches.pop(name)(sys.modules[name])
            except Exception:
                pass
    finder = PatchOnImport()
    if patches:
        sys.meta_path.insert(0, finder)
    return here


def _exprag_chain(here):
    """Leaves sys.path as it would be without exprag, then runs the sitecustomize this one hid."""
    import sys

    import os

    sys.path[:] = [entry for entry in sys.path if not entry or os.path.abspath(entry) != here]
    this = sys.modules.pop("sitecustomize")
    try:
        import sitecustomize  # noqa: F401
    except ImportError as error:
        if error.name != "sitecustomize":
            raise
    finally:
        # The import that runs this file takes the module back from sys.modules: the other one when there is one.
        sys.modules.setdefault("sitecustomize", this)


try:
    _exprag_here = _exprag_params_hook()
except Exception:
    import os as _exprag_os

    _exprag_here = _exprag_os.path.dirname(_exprag_os.path.abspath(__file__))
_exprag_chain(_exprag_here)
