export { unpause as command } from './pause.js';
