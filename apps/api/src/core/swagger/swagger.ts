import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ErrorEnvelopeDto, FieldErrorDto, SuccessEnvelopeDto } from './envelope.schemas';

export const DOCS_PATH = 'api/docs';

/**
 * Swagger UI at /api/docs and the OpenAPI document at /api/docs-json, both public: integrators
 * need them, and the document describes the API, never the host it runs on. Its YAML copy
 * (/api/docs-yaml) is served only while HEALTH_DETAILS=public: integrators have the JSON, so with
 * `admin` one anonymous copy is enough.
 */
export function setupSwagger(app: INestApplication, version: string): void {
  const { health } = app.get<AppConfig>(APP_CONFIG);
  const config = new DocumentBuilder()
    .setTitle('Video Call API')
    .setDescription(
      'REST API of the Video Call backend. Every response uses the envelope below; ' +
        'errors carry an `errorCode` from `ErrorCode`. Authenticate with `Authorization: Bearer <jwt>`.',
    )
    .setVersion(version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [SuccessEnvelopeDto, ErrorEnvelopeDto, FieldErrorDto],
  });
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: `${DOCS_PATH}-json`,
    yamlDocumentUrl: `${DOCS_PATH}-yaml`,
    raw: health.details === 'public' ? ['json', 'yaml'] : ['json'],
    customSiteTitle: 'Video Call API',
  });
}
