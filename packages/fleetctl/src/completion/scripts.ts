// The shell completion scripts `fleetctl completion bash|zsh` prints. Both hand the command line
// typed up to the cursor to `fleetctl __complete` (candidates.ts), which answers one word per
// line; the shell offers those words. The program is called as it was typed (bin/fleetctl, an
// alias's target), so the script works for any install.

/** The shells there is a script for. */
export const SHELLS = ['bash', 'zsh'] as const;

const BASH = `# fleetctl completion for bash. Load it in this shell:
#   source <(fleetctl completion bash)
# or for every shell: fleetctl completion bash > /etc/bash_completion.d/fleetctl
_fleetctl_complete() {
  local IFS=$'\\n'
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  # The words, typed up to the cursor, and bash's own idea of the current word (it splits at
  # "=" and ":"): the answers are cut to replace just that.
  COMPREPLY=($("\${COMP_WORDS[0]}" __complete "\${COMP_LINE:0:COMP_POINT}" "$cur" 2>/dev/null))
  if [[ \${#COMPREPLY[@]} -eq 1 && \${COMPREPLY[0]} == */ ]]; then
    compopt -o nospace 2>/dev/null
  fi
  return 0
}
complete -F _fleetctl_complete fleetctl
`;

const ZSH = `#compdef fleetctl
# fleetctl completion for zsh. Load it in this shell:
#   source <(fleetctl completion zsh)
# or for every shell: fleetctl completion zsh > "\${fpath[1]}/_fleetctl"
_fleetctl() {
  local -a answers
  answers=("\${(@f)$(\${words[1]} __complete "\${(j: :)words[1,CURRENT]}" 2>/dev/null)}")
  answers=(\${answers:#})
  local w
  for w in "\${answers[@]}"; do
    if [[ $w == */ ]]; then compadd -S '' -- "$w"; else compadd -- "$w"; fi
  done
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _fleetctl "$@"
else
  (( $+functions[compdef] )) || { autoload -Uz compinit && compinit; }
  compdef _fleetctl fleetctl
fi
`;

/** The script for `shell`. */
export function completionScript(shell: (typeof SHELLS)[number]): string {
  return shell === 'bash' ? BASH : ZSH;
}
