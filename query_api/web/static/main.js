// Entry point of the web dashboard (loaded by the HTML shell as an ES module).
import { start } from "./router.js";

start();
