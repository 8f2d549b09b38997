/**
 * Types for the parts of @observablehq/runtime the notebook uses (the package ships none). In
 * the built site Framework serves its own copy of the same runtime for this import.
 */
declare module "@observablehq/runtime" {
  export interface Observer {
    pending?(): void;
    fulfilled?(value: unknown, name?: string | null): void;
    rejected?(error: unknown, name?: string | null): void;
  }
  export class Variable {
    define(name: string | null, inputs: readonly string[], definition: unknown): this;
    define(inputs: readonly string[], definition: unknown): this;
    define(definition: unknown): this;
    delete(): this;
  }
  export class Module {
    variable(observer?: Observer | boolean): Variable;
    value(name: string): Promise<unknown>;
  }
  export class Runtime {
    constructor(builtins?: Record<string, unknown>, global?: (name: string) => unknown);
    module(): Module;
    dispose(): void;
  }
  export class RuntimeError extends Error {
    readonly input?: string;
  }
}
