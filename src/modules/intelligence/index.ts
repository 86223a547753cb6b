export { IntelligenceModule } from './intelligence.module';
