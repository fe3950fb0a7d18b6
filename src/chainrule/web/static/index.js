import { $, api } from "/static/common.js";

api("/api/health").then((h) => { $("#version").textContent = `chainrule ${h.version}, running locally`; })
  .catch(() => {});
