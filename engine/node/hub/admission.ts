/**
 * What the hub checks before it knows who is connecting, so that unauthenticated traffic cannot
 * exhaust it: a cap on sockets open but not yet authenticated, a deadline for authenticating
 * (a WebSocket upgrade or an API request with a valid token), and a per-address token bucket
 * on upgrade attempts.
 */
import type { Socket } from "node:net";
import type { HubLimits } from "./hubConfig.js";

export class Admission {
  private readonly pending = new Map<Socket, NodeJS.Timeout>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly limits: HubLimits, private readonly now: () => number = Date.now) {}

  /** Pending (unauthenticated) sockets right now. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * A new TCP socket: refused (false; the caller destroys it) when too many are pending,
   * otherwise it must authenticate within the deadline or it is destroyed.
   */
  admit(socket: Socket): boolean {
    if (this.pending.size >= this.limits.maxPendingSockets) return false;
    const timer = setTimeout(() => {
      if (this.pending.delete(socket)) socket.destroy();
    }, this.limits.upgradeTimeoutMs);
    timer.unref();
    this.pending.set(socket, timer);
    socket.once("close", () => this.release(socket));
    return true;
  }

  /** The socket authenticated: it no longer counts against the pending cap or the deadline. */
  release(socket: Socket): void {
    const timer = this.pending.get(socket);
    if (timer) clearTimeout(timer);
    this.pending.delete(socket);
  }

  /** Takes a token from `address`'s bucket; false when it is empty (too many attempts). */
  attempt(address: string): boolean {
    const t = this.now();
    const b = this.buckets.get(address) ?? { tokens: this.limits.connectionBurst, at: t };
    b.tokens = Math.min(this.limits.connectionBurst, b.tokens + ((t - b.at) / 1000) * this.limits.connectionsPerSecond);
    b.at = t;
    this.buckets.set(address, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    if (this.buckets.size > 1024) this.prune(t);
    return true;
  }

  /** Forgets buckets that have refilled: a full bucket is what an unknown address gets anyway. */
  private prune(t: number): void {
    for (const [address, b] of this.buckets) {
      if (b.tokens + ((t - b.at) / 1000) * this.limits.connectionsPerSecond >= this.limits.connectionBurst) this.buckets.delete(address);
    }
  }

  close(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}
