import type { AccountState } from '../../accountState.ts';
import type { Region } from '../../regions/region.ts';
import type { Reply } from '../responses.ts';
import { METADATA_CHARGE } from '../requestCharge.ts';

// The database account resource (GET on an account endpoint). The SDK reads it first "from the global
// endpoint" to learn the account's regions, then intersects them with its preferred regions; "Primary
// region refers to the first region in the Azure Cosmos DB account region list"
// (https://learn.microsoft.com/azure/cosmos-db/nosql/troubleshoot-sdk-availability). Each location
// names a region by its display name and gives that region's own endpoint.

const location = (region: Region) => ({ name: region.displayName, databaseAccountEndpoint: region.endpoint });

const QUERY_ENGINE_CONFIGURATION = JSON.stringify({
  maxSqlQueryInputLength: 262144,
  maxJoinsPerSqlQuery: 5,
  maxLogicalAndPerSqlQuery: 500,
  maxLogicalOrPerSqlQuery: 500,
  maxUdfRefPerSqlQuery: 10,
  maxInExpressionItemsCount: 16000,
  queryMaxInMemorySortDocumentCount: 500,
  maxQueryRequestTimeoutFraction: 0.9,
  sqlAllowNonFiniteNumbers: false,
  sqlAllowAggregateFunctions: true,
  sqlAllowSubQuery: true,
  sqlAllowScalarSubQuery: true,
  allowNewKeywords: true,
  sqlAllowLike: true,
  sqlAllowGroupByClause: true,
  maxSpatialQueryCells: 12,
  spatialMaxGeometryPointCount: 256,
  sqlAllowTop: true,
  enableSpatialIndexing: true,
});

export const databaseAccount = (state: AccountState): Reply => {
  // Failover priority order: the write region(s) first, then the others as the account lists them.
  const readable = [...state.writeRegions, ...state.regions.filter((region) => !state.writeRegions.includes(region))];
  return {
    status: 200,
    charge: METADATA_CHARGE,
    body: {
      _self: '',
      id: state.name,
      _rid: `${state.name}.documents.azure.com`,
      media: '//media/',
      addresses: '//addresses/',
      _dbs: '//dbs/',
      writableLocations: state.writeRegions.map(location),
      readableLocations: readable.map(location),
      enableMultipleWriteLocations: state.multiWrite,
      userReplicationPolicy: { asyncReplication: false, minReplicaSetSize: 3, maxReplicasetSize: 4 },
      userConsistencyPolicy: { defaultConsistencyLevel: 'Session' },
      systemReplicationPolicy: { minReplicaSetSize: 3, maxReplicasetSize: 4 },
      readPolicy: { primaryReadCoefficient: 1, secondaryReadCoefficient: 1 },
      queryEngineConfiguration: QUERY_ENGINE_CONFIGURATION,
    },
  };
};
