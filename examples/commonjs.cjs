// sedjoule from a CommonJS script: the addon's facts, a small CNN trained for one epoch on a seeded
// random set, and the ledger's totals. Usage: node examples/commonjs.cjs (in a project that installed
// sedjoule; inside this repository, after `npm install`).
const { loadAddon, modelSpec, Network, randomLabelledSet, totals, trainPhase } = require('sedjoule');

async function main() {
  const info = loadAddon().info();
  console.log(`CPU kernels: ${info.isa}, ${info.defaultThreads} threads; CUDA ${info.cuda.compiled ? 'compiled in' : 'not compiled in'}`);
  const inputShape = [1, 64, 32];
  const data = randomLabelledSet({ examples: 32, inputShape, classes: 4, seed: 1 });
  const net = Network.create(modelSpec({ arch: 'cnn', variant: 'fixed', layers: 1, width: 8 }, { inputShape, classes: 4, seed: 1 }));
  const trained = await trainPhase(net, data, { epochs: 1, batchSize: 8, shuffleSeed: 1 });
  const work = totals(trained.ledger);
  console.log(
    `${net.parameters} parameters; epoch loss ${trained.epochLoss[0].toFixed(4)}; ${(work.flops / 1e9).toFixed(3)} GFLOP counted`,
  );
  net.dispose();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
