/**
 * An account's controls on the live monitor: Pause, Resume, Flatten and Kill. Kill asks for a
 * reason first (the trader's audit keeps it); every answer, or refusal, is said under the buttons.
 * Without the write role the buttons are off and say why. Made once per account, so a reason
 * being typed survives the page's refreshes.
 *
 * @example
 * const actions = accountActions({ account: "main", canAct: me.role === "write", run: (a, body) => traders.act("main", a, body), done: refresh });
 */
import { el } from "./dataView.js";
import type { TraderAction } from "./monitorClient.js";

export interface AccountActionsOptions {
  readonly account: string;
  /** False for a read-only user: the buttons are disabled. */
  readonly canAct: boolean;
  /** Sends the action through the hub; rejects with the message to show. */
  readonly run: (action: TraderAction, body: Readonly<Record<string, unknown>>) => Promise<unknown>;
  /** Called after an action went through (to refresh the page's view). */
  readonly done?: () => void;
}

const PAST: Record<string, string> = { pause: "paused", resume: "resumed", flatten: "flattened", kill: "killed" };

export function accountActions(options: AccountActionsOptions): HTMLElement {
  const message = el("span", { class: "qw-status qw-mon-action-message", "data-testid": "action-message", "aria-live": "polite" });
  const button = (action: Exclude<TraderAction, "params">, label: string, title: string) =>
    el("button", { "data-testid": `action-${action}`, title, ...(options.canAct ? {} : { disabled: "" }), ...(action === "kill" ? { class: "qw-mon-danger" } : {}) }, label);
  const pause = button("pause", "Pause", "No new orders until resumed (kept across restarts)");
  const resume = button("resume", "Resume", "Trade again after a pause");
  const flatten = button("flatten", "Flatten", "Cancel open orders and close every position with market orders");
  const kill = button("kill", "Kill…", "Halt, and cancel every open order; needs a reason");
  const reason = el("input", { type: "text", maxlength: "500", placeholder: "why (kept in the audit log)", "data-testid": "kill-reason", "aria-label": "Reason for the kill" });
  const confirm = el("button", { class: "qw-mon-danger", "data-testid": "kill-confirm" }, "Kill now");
  const back = el("button", { "data-testid": "kill-cancel" }, "Cancel");
  const killForm = el("span", { class: "qw-mon-kill qw-hidden", "data-testid": "kill-form" }, reason, confirm, back);
  const all = [pause, resume, flatten, kill, confirm];

  const send = async (action: Exclude<TraderAction, "params">, body: Record<string, unknown> = {}) => {
    for (const b of all) b.disabled = true;
    message.className = "qw-status qw-mon-action-message";
    message.textContent = `${action}…`;
    try {
      await options.run(action, body);
      message.textContent = `${options.account} ${PAST[action]} at ${new Date().toISOString().slice(11, 19)} UTC`;
      message.dataset.outcome = "ok";
      if (action === "kill") {
        killForm.classList.add("qw-hidden");
        reason.value = "";
      }
      options.done?.();
    } catch (error) {
      message.className = "qw-bad qw-mon-action-message";
      message.textContent = `${action} failed: ${error instanceof Error ? error.message : String(error)}`;
      message.dataset.outcome = "error";
    } finally {
      for (const b of all) b.disabled = !options.canAct;
    }
  };
  pause.onclick = () => void send("pause");
  resume.onclick = () => void send("resume");
  flatten.onclick = () => void send("flatten");
  kill.onclick = () => {
    killForm.classList.remove("qw-hidden");
    reason.focus();
  };
  back.onclick = () => killForm.classList.add("qw-hidden");
  confirm.onclick = () => {
    const why = reason.value.trim();
    if (!why) {
      message.className = "qw-bad qw-mon-action-message";
      message.textContent = "say why you kill it: the reason goes into the trader's audit log";
      reason.focus();
      return;
    }
    void send("kill", { reason: why });
  };
  reason.addEventListener("keydown", (event) => { if (event.key === "Enter") confirm.click(); });
  return el("div", { class: "qw-mon-actions", "data-testid": "actions" }, pause, resume, flatten, kill, killForm, message,
    ...(options.canAct ? [] : [el("small", { class: "qw-hint" }, "read-only: your hub token cannot act on traders")]));
}
