<?php
/**
 * The signature is the one the service verifies (adapters/woocommerce/storefront.py). The
 * vectors were computed with Python's hmac, and the Python suite checks the same ones.
 */

use PHPUnit\Framework\TestCase;

final class SignerTest extends TestCase {

	public static function setUpBeforeClass(): void {
		include_once loyalty_test_plugin_file();
	}

	public function test_signature_of_customer_2_matches_the_python_vector(): void {
		$signer = new Loyalty_Connector_Signer( 'a-storefront-secret' );
		$this->assertSame( '41f946743d032b21ff35cea72d9e017e0c08e583842c9f5fba1fc8e4dd27d8ec', $signer->signature( '2', '1700000000' ) );
	}

	public function test_a_visitor_is_signed_as_customer_0(): void {
		$signer = new Loyalty_Connector_Signer( 'a-storefront-secret' );
		$this->assertSame(
			array(
				'customer' => '0',
				'ts'       => '1700000000',
				'sig'      => 'a6c0c0bf7e1d8d2ca68bad9db491f6d3c8a3d30e8079f241aa021299b6c3eb44',
			),
			$signer->signed_query( 0, 1700000000 )
		);
	}

	public function test_another_secret_gives_another_signature(): void {
		$signer = new Loyalty_Connector_Signer( 'another-secret' );
		$this->assertNotSame( '41f946743d032b21ff35cea72d9e017e0c08e583842c9f5fba1fc8e4dd27d8ec', $signer->signature( '2', '1700000000' ) );
	}
}
