import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ErrorEnvelopeDto, FieldErrorDto, SuccessEnvelopeDto } from './envelope.schemas';

export const DOCS_PATH = 'api/docs';

/** Swagger UI at /api/docs and the OpenAPI document at /api/docs-json. */
export function setupSwagger(app: INestApplication, version: string): void {
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
    customSiteTitle: 'Video Call API',
  });
}
