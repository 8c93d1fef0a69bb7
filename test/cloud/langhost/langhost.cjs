// A minimal stand-in for pulumi-language-nodejs, whose Go module is not served here. It serves
// the engine's LanguageRuntime gRPC API with the LanguageServer that @pulumi/pulumi's Automation
// API uses for inline programs, and runs the project's entry module in this process (loaded
// through tsx, so TypeScript and ESM work). Everything comes from the project's own
// node_modules, so the program and this host share one copy of @pulumi/pulumi's runtime state.
// Not supported: Pulumi.yaml runtime options (nodeargs, typescript), `pulumi install`, policy
// packs, `pulumi about`'s dependency list.
"use strict";
const { createRequire } = require("node:module");
const fs = require("node:fs");
const path = require("node:path");
const { pathToFileURL } = require("node:url");

const engineAddress =
  process.argv
    .slice(2)
    .filter((a) => !a.startsWith("-"))
    .pop() ?? "";
const projectRequire = createRequire(path.join(process.cwd(), "package.json"));
const pulumiDir = path.dirname(projectRequire.resolve("@pulumi/pulumi"));
const sdkRequire = createRequire(path.join(pulumiDir, "index.js"));
const grpc = sdkRequire("@grpc/grpc-js");
const langrpc = sdkRequire("./proto/language_grpc_pb");
const { LanguageServer } = sdkRequire("./automation/server");
const { grpcChannelOptions } = sdkRequire("./runtime/settings");

// The module to run: the program directory's package.json "main", else index.ts / index.js.
function entryModule(request) {
  const info = request.getInfo?.();
  const dir = info?.getProgramDirectory?.() || request.getPwd() || process.cwd();
  const entry = info?.getEntryPoint?.();
  if (entry && entry !== ".") return path.resolve(dir, entry);
  const pkgPath = path.join(dir, "package.json");
  const main = fs.existsSync(pkgPath)
    ? JSON.parse(fs.readFileSync(pkgPath, "utf8")).main
    : undefined;
  if (main) return path.resolve(dir, main);
  const candidates = ["index.ts", "index.mts", "index.js", "index.mjs"].map((f) =>
    path.join(dir, f),
  );
  const found = candidates.find((f) => fs.existsSync(f));
  if (!found)
    throw new Error(
      `no entry module in ${dir} (looked for package.json main, ${candidates.join(", ")})`,
    );
  return found;
}

let currentRequest;
// Like the Node.js host: the module's exports become stack outputs; a default-exported function
// is called and its result used instead.
async function program() {
  const mod = await import(pathToFileURL(entryModule(currentRequest)).href);
  const exported = "default" in mod ? mod.default : mod;
  return typeof exported === "function" ? await exported() : { ...exported };
}

class ProjectLanguageServer extends LanguageServer {
  run(call, callback) {
    currentRequest = call.request;
    // The inline server takes the engine address from the run's args; here the engine gave it to us.
    call.request.setArgsList([engineAddress]);
    return super.run(call, callback);
  }
}

const server = new grpc.Server(grpcChannelOptions);
server.addService(langrpc.LanguageRuntimeService, new ProjectLanguageServer(program));
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) {
    console.error(`pulumi-language-nodejs (stand-in): cannot listen: ${err.message}`);
    process.exit(1);
  }
  console.log(port); // the engine reads the port from our first line of stdout
});
