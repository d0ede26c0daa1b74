/** Real open demo data from npm packages, loaded identically into SpatiaLite and PostGIS. */
export {
  DEMO_DATA_VERSION,
  DEMO_MIN_CITY_POPULATION,
  buildDemoDataset,
  type DemoDataset,
  type DemoTable,
} from './buildDemoDataset.ts';
export { loadDemoDataIntoSpatialite, type DemoLoadReport } from './loadDemoDataIntoSpatialite.ts';
export { loadDemoDataIntoPostgis } from './loadDemoDataIntoPostgis.ts';
