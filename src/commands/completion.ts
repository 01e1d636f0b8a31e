import { usageError } from "../core/errors";
import { printData } from "../render/output";
import { defineExpragCommand } from "./_define";

/**
 * The scripts are small adaptors: each asks `exprag __complete <words>` (_complete.ts) for the
 * candidates, so commands, options, run references and value paths always match the exprag on
 * PATH. The first line of its answer says how to complete; the rest are `value<TAB>description`.
 */
const SCRIPTS = {
  bash: `# exprag completion for bash. Load it with: source <(exprag completion bash)
_exprag_complete() {
  local cur=\${COMP_WORDS[COMP_CWORD]} how="" line
  local -a found=()
  while IFS= read -r line; do
    if [[ -z $how ]]; then how=$line; else found+=("\${line%%$'\\t'*}"); fi
  done < <(command exprag __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
  [[ $cur == "=" ]] && cur=""
  COMPREPLY=()
  case $how in
    :candidates) COMPREPLY=("\${found[@]}") ;;
    :dirs)
      if type compopt &>/dev/null; then compopt -o dirnames 2>/dev/null; fi
      local IFS=$'\\n'
      COMPREPLY=($(compgen -d -- "$cur")) ;;
    *)
      if type compopt &>/dev/null; then compopt -o default 2>/dev/null; fi
      local IFS=$'\\n'
      COMPREPLY=($(compgen -f -- "$cur")) ;;
  esac
}
complete -F _exprag_complete exprag
`,
  zsh: `#compdef exprag
# exprag completion for zsh. Load it with: source <(exprag completion zsh) (after compinit)
_exprag() {
  local -a lines found
  local line value
  lines=("\${(@f)$(command exprag __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  case \${lines[1]} in
    :candidates) ;;
    :dirs) _files -/; return ;;
    *) _files; return ;;
  esac
  for line in "\${(@)lines[2,-1]}"; do
    [[ -z $line ]] && continue
    value=\${line%%$'\\t'*}
    value=\${value//:/\\\\:}
    if [[ $line == *$'\\t'* ]]; then found+=("$value:\${line#*$'\\t'}"); else found+=("$value"); fi
  done
  (( \${#found} )) && _describe -t values exprag found
}
compdef _exprag exprag
`,
  fish: `# exprag completion for fish. Load it with: exprag completion fish | source
function __exprag_complete
    set -l words (commandline -opc)
    set -e words[1]
    set -l current (commandline -ct)
    set -l lines (command exprag __complete $words "$current" 2>/dev/null)
    set -l how $lines[1]
    set -e lines[1]
    switch "$how"
        case :candidates
            printf '%s\\n' $lines
        case :dirs
            __fish_complete_directories (commandline -ct)
        case '*'
            __fish_complete_path (commandline -ct)
    end
end
complete -c exprag -f -a '(__exprag_complete)'
`,
} as const;

export default defineExpragCommand({
  name: "completion",
  description: "Print a shell completion script (bash, zsh or fish): commands, options, run ids and value paths",
  args: {
    shell: { type: "positional", description: "The shell: bash, zsh or fish" },
  },
  examples: `EXAMPLES

  source <(exprag completion bash)                  # in ~/.bashrc
  source <(exprag completion zsh)                   # in ~/.zshrc, after compinit
  exprag completion fish > ~/.config/fish/completions/exprag.fish

Commands, options and option values complete from exprag itself, run references (short ids,
latest) and value paths from the store of the current directory.`,
  run({ args }) {
    if (!Object.hasOwn(SCRIPTS, args.shell)) throw usageError(`no completion for the shell '${args.shell}'`, "choose bash, zsh or fish");
    printData(SCRIPTS[args.shell as keyof typeof SCRIPTS]);
  },
});
