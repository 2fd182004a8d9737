// Tests read HTTP answers as loosely typed JSON and assert their shape with expect(): the
// answers' types are what the tests check, not what they assume.
declare global {
  interface Response {
    json(): Promise<any>;
  }
}
export {};
