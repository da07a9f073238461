// The "Faultline Kernel Log" output channel: every run's kernel log and
// report, one block per run under a separator line, capped per run at
// faultline.kernelLog.maxLines so a log flood cannot swamp the editor.

import * as vscode from "vscode";

export const KERNEL_LOG_CHANNEL = "Faultline Kernel Log";

export class KernelLog implements vscode.Disposable {
  private channel: vscode.OutputChannel | undefined;
  private lines = 0;
  private dropped = 0;
  private maxLines = 5000;

  private get out(): vscode.OutputChannel {
    return (this.channel ??= vscode.window.createOutputChannel(KERNEL_LOG_CHANNEL, "log"));
  }

  /** Starts a run's block: a separator that says what runs, where and when. */
  beginRun(title: string, maxLines: number): void {
    this.lines = 0;
    this.dropped = 0;
    this.maxLines = maxLines;
    const rule = "═".repeat(Math.max(20, Math.min(100, title.length + 8)));
    this.out.appendLine("");
    this.out.appendLine(rule);
    this.out.appendLine(`═══ ${title} · ${new Date().toISOString()}`);
    this.out.appendLine(rule);
  }

  line(text: string): void {
    // The run's header and tail always show; the middle is what floods.
    if (this.lines >= this.maxLines && !text.startsWith("== ") && !/^(result|findings|failures)/.test(text)) {
      this.dropped++;
      return;
    }
    this.lines++;
    this.out.appendLine(text);
  }

  endRun(summary: string): void {
    if (this.dropped) this.out.appendLine(`… ${this.dropped} kernel log lines not shown (faultline.kernelLog.maxLines is ${this.maxLines})`);
    this.out.appendLine(`═══ ${summary}`);
  }

  show(preserveFocus = true): void {
    this.out.show(preserveFocus);
  }

  dispose(): void {
    this.channel?.dispose();
  }
}
