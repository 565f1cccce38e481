/**
 * jsdom, with the fetch API it lacks (Request, Response, Headers): the dashboard's REST client
 * builds Requests, as it does in a browser. Node's own classes are lent; tests stub `fetch` itself.
 */
const { TestEnvironment } = require('jest-environment-jsdom');

class DashboardEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    Object.assign(this.global, { Request, Response, Headers });
  }
}

module.exports = DashboardEnvironment;
