/**
 * Whether exprag's own messages may wait for room on stderr. They may, until a run gives up on a
 * stderr reader that stopped reading after exprag was told to stop: from then on a message goes
 * out only if the pipe has room for it now, so exprag's last words cannot keep it alive any more
 * than the command's output could. Kept free of imports: every command loads it.
 */
let roomCheck: ((bytes: number) => boolean) | null = null;

export function stopWaitingForStderr(check: (bytes: number) => boolean): void {
  roomCheck = check;
}

export function stderrTakes(bytes: number): boolean {
  return roomCheck === null || roomCheck(bytes);
}
