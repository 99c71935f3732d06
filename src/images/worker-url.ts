// Where the layer-unpacking worker's script is. The bundled CLI's entry point sets it (the
// worker is a separate bundle beside main.js); the transpiled tree finds it beside unpacker.js.
export const WORKER_URL: { href?: URL } = {};
