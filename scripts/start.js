/** `npm start`: will bring up the API, workers and dashboard; the execution service is next. */
const { build, ensureInstalled } = require('./lib');

ensureInstalled();
build();
console.log(`pgfan's API, workers and dashboard are coming with the execution issue.
Today you can run queries in this process against any PostgreSQL:

  DATABASE_URL=postgres://user@host:5432/db npm run query -- --local --partitions 4 "SELECT count(*) FROM your_table"
`);
