// The words of a shell command line, with the quoting a device's `sh -c` applies. adbd hands
// `shell:` and `exec:` commands to /system/bin/sh (mksh), so a name with blanks or quotes reaches
// the command whole when the host quotes it: `ls '/sdcard/it'\''s here'`. This is the minimal
// POSIX part of it: single quotes (nothing inside is special), double quotes (backslash escapes
// only $ ` " \ and newline), backslash outside quotes, blanks between words. No expansion,
// globbing, redirection or `;`: a command that needs them is not one the simulated device runs.

export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let index = 0; index < command.length; index++) {
    const char = command[index];
    if (char === "'") {
      const close = command.indexOf("'", index + 1);
      if (close < 0) throw new Error('unterminated quoted string');
      word += command.slice(index + 1, close);
      index = close;
      inWord = true;
    } else if (char === '"') {
      index++;
      while (index < command.length && command[index] !== '"') {
        if (command[index] === '\\' && index + 1 < command.length && '$`"\\\n'.includes(command[index + 1])) index++;
        word += command[index++];
      }
      if (index >= command.length) throw new Error('unterminated quoted string');
      inWord = true;
    } else if (char === '\\') {
      if (index + 1 < command.length && command[index + 1] !== '\n') word += command[index + 1];
      index++;
      inWord = true;
    } else if (char === ' ' || char === '\t' || char === '\n') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Quotes one word so shellWords (and a device's sh) gives it back whole. */
export function quoteShellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
