// Starts the Node reference Durable Streams server for the benchmark: node server.mjs [dataDir]
// With a data directory it is file-backed (append-only logs + LMDB), as durable as ours; without, in-memory.
import { DurableStreamTestServer } from "@durable-streams/server";

const dataDir = process.argv[2] || undefined;
const server = new DurableStreamTestServer({ port: 0, host: "127.0.0.1", dataDir, compression: false });
const url = await server.start();
console.log(`Now listening on: ${url}`);
process.on("SIGTERM", async () => {
  await server.stop();
  process.exit(0);
});
