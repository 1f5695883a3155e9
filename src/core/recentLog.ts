// The last warnings and errors, kept for the Troubleshoot report (the log channel may be long gone
// from view when a user asks "why is my device not showing up").

import { LogLevel, LogLine } from './types';

export class RecentLog {
  private readonly lines: LogLine[] = [];

  constructor(private readonly capacity = 20) {}

  add(level: LogLevel, message: string, at = Date.now()): void {
    if (level !== 'warn' && level !== 'error') return;
    this.lines.push({ at, level, message });
    if (this.lines.length > this.capacity) this.lines.shift();
  }

  get entries(): readonly LogLine[] {
    return this.lines;
  }
}
