// The few file operations adb's sync protocol has no request for (make a folder, delete, rename)
// run as `exec:` commands, and adbd hands an `exec:` command line to the device's `sh -c`. So a
// path, which comes from the device or the user, is passed as ONE single-quoted word: inside
// single quotes sh(1) takes every byte literally (spaces, `$`, backquotes, newlines) except the
// quote itself, written '\'' (close, an escaped quote, reopen), as Android Studio's Device
// Explorer does. Every command puts `--` before its paths, so a name starting with `-` is no option.

/** `it's` -> `'it'\''s'`: one word for the device's shell, whatever the bytes. */
export function shellWord(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `mkdir -p -- PATH`: the folder and its parents. */
export function makeFolderCommand(path: string): string {
  return `exec:mkdir -p -- ${shellWord(path)}`;
}

/** `rm -f -- PATH`, or `rm -rf -- PATH` for a folder and all it holds. */
export function deleteCommand(path: string, recursive: boolean): string {
  return `exec:rm ${recursive ? '-rf' : '-f'} -- ${shellWord(path)}`;
}

/** `mv -- FROM TO` (whether TO may be replaced is checked before). */
export function renameCommand(from: string, to: string): string {
  return `exec:mv -- ${shellWord(from)} ${shellWord(to)}`;
}
