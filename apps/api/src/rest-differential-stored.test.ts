/**
 * The differential corpus through REST and real workers, every fan-out's partial rows stored in
 * PostgreSQL in its binary format (`STORED_PARTIAL_ROWS=0`): every case returns what PostgreSQL
 * returns directly.
 */
import { differentialThroughRest } from './__tests__/differential-through-rest';

differentialThroughRest({ label: 'rest_differential_stored', apiEnv: { STORED_PARTIAL_ROWS: '0' } }, '"partial_tuples"(');
