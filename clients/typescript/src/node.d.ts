// The little of Node's API the client uses, loaded only when running on Node
// (saveOutputs, the credentials file): declared here so that the rest of the
// client is checked against the browser's globals alone.
declare module "node:fs/promises" {
  export function stat(path: string): Promise<{ mode: number }>;
  export function readFile(path: string, encoding: "utf8"): Promise<string>;
  export function writeFile(path: string, data: Uint8Array): Promise<void>;
  export function mkdir(path: string, o: { recursive: true }): Promise<unknown>;
}
declare module "node:path" {
  export function join(...parts: string[]): string;
  export function dirname(path: string): string;
}
declare module "node:crypto" {
  export const webcrypto: unknown;
}
